const app = getApp();

Page({
  data: { mobile: '', error: '' },

  onGetAuthorize() {
    my.getPhoneNumber({
      success: (res) => {
        // res.response is the envelope text: post it unchanged, as JSON. A form-encoded body
        // turns '+' in the base64 into spaces and the signature fails (bad_base64).
        my.request({
          url: `${app.globalData.backend}/alipay/phone?app_id=${app.globalData.appId}`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          data: res.response,
          dataType: 'json',
          success: (r) => {
            if (r.data.status === 'ok') {
              this.setData({ mobile: r.data.mobile, error: '' }); // masked by the server
            } else {
              this.setData({ error: `${r.data.kind}: ${r.data.hint || r.data.message}` });
            }
          },
          fail: (e) => this.setData({ error: `request failed: ${e.errorMessage || e.error}` }),
        });
      },
      fail: (e) => this.setData({ error: `getPhoneNumber failed: ${e.errorMessage || e.error}` }),
    });
  },

  onAuthError(e) {
    // The user declined the authorisation.
    this.setData({ error: `authorisation declined: ${e.detail.errorMessage || ''}` });
  },
});
