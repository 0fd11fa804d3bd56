// The phone-number page for base library 2.8.0+: the button
// (open-type="getAuthorize" scope="phoneNumber") hands event.detail = {encryptedData, sign}
// to onGetPhoneNumber -> post event.detail as it is, as JSON, to the backend -> show the
// masked number or the fix. encryptedData and sign are the ciphertext and signature that
// my.getPhoneNumber's res.response carries as `response` and `sign`; the backend opens both.
// examples/miniprogram/test/page.test.mjs runs this file against the example server.
const app = getApp();

// `error`/`errorMessage` of a failed API call or of the button's onError detail.
function describe(e) {
  if (!e) return 'no details';
  const parts = [];
  if (e.error !== undefined && e.error !== null && e.error !== '') parts.push(`error ${e.error}`);
  if (e.errorMessage) parts.push(e.errorMessage);
  return parts.length ? parts.join(': ') : 'no details';
}

Page({
  data: {
    canIUseAuthButton: true,
    mobile: '',
    error: '',
  },

  onLoad() {
    this.setData({
      canIUseAuthButton: typeof my.canIUse === 'function' && my.canIUse('button.open-type.getAuthorize') === true,
    });
  },

  // The user agreed: the encrypted number is in the event. A detail without encryptedData
  // comes from a client before base library 2.8.0 (use the phone page's my.getPhoneNumber).
  onGetPhoneNumber(e) {
    const detail = e && e.detail;
    if (!detail || typeof detail.encryptedData !== 'string' || !detail.encryptedData) {
      this.showError('this client did not hand the phone number to the button (base library 2.8.0+ needed)');
      return;
    }
    this.sendDetail(detail);
  },

  onAuthError(e) {
    this.showError(`phone number not shared (${describe(e && e.detail)}); you can type it in instead`);
  },

  // event.detail as it is: an object `data` with the JSON content type goes out as JSON
  // (the default, form-encoded, would turn '+' in the base64 into spaces).
  sendDetail(detail) {
    const { backend, appId } = app.globalData;
    my.request({
      url: `${backend}/alipay/phone?app_id=${encodeURIComponent(appId)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      data: detail,
      dataType: 'json',
      success: (r) => this.showAnswer(r.data),
      fail: (e) =>
        e && e.data && typeof e.data === 'object'
          ? this.showAnswer(e.data)
          : this.showError(`request failed (${describe(e)})`),
    });
  },

  // {"status":"ok","code":"10000","mobile":"138****8000"} or the error JSON.
  showAnswer(body) {
    if (body && body.status === 'ok' && body.mobile) {
      this.setData({ mobile: body.mobile, error: '' }); // masked by the server
    } else if (body && body.kind) {
      const alipay = body.code ? ` ${body.code}${body.sub_code ? ` ${body.sub_code}` : ''}` : '';
      this.showError(`${body.kind}${alipay}: ${body.hint || body.message}`);
    } else {
      this.showError('unexpected answer from the server');
    }
  },

  showError(message) {
    this.setData({ mobile: '', error: message });
  },
});
