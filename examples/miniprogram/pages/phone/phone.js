// The phone-number page, in the compatible form of Alipay's my.getPhoneNumber document:
// button (open-type="getAuthorize" scope="phoneNumber") -> onGetAuthorize -> my.getPhoneNumber
// -> post res.response unchanged to the backend -> show the masked number or the fix.
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
    // Clients before 10.1.35 have no getAuthorize button: the page shows its fallback.
    this.setData({
      canIUseAuthButton: typeof my.canIUse === 'function' && my.canIUse('button.open-type.getAuthorize') === true,
    });
  },

  // The user agreed in the authorisation dialog: only now may my.getPhoneNumber be called.
  onGetAuthorize() {
    my.getPhoneNumber({
      success: (res) => this.sendEnvelope(res.response),
      fail: (e) => this.showError(`could not get the phone number (${describe(e)}); you can type it in instead`),
    });
  },

  // The button's onError: the user declined (or the client failed) the authorisation.
  onAuthError(e) {
    this.showError(`phone number not shared (${describe(e && e.detail)}); you can type it in instead`);
  },

  // res.response is the envelope text: post it unchanged, as JSON. A string `data` goes out
  // as it is; a form-encoded body (the default content type, or an object `data`) would turn
  // '+' in the base64 into spaces and the signature would fail (bad_base64).
  sendEnvelope(envelope) {
    const { backend, appId } = app.globalData;
    my.request({
      url: `${backend}/alipay/phone?app_id=${encodeURIComponent(appId)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      data: envelope,
      dataType: 'json',
      success: (r) => this.showAnswer(r.data),
      // A non-2xx status comes here (error 19) with the server's JSON in `data`.
      fail: (e) =>
        e && e.data && typeof e.data === 'object'
          ? this.showAnswer(e.data)
          : this.showError(`request failed (${describe(e)})`),
    });
  },

  // The server's answer: {"status":"ok","mobile":"138****8000"} or the error JSON
  // {"status":"error","kind","message","hint"} (plus Alipay's code and sub_code).
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
