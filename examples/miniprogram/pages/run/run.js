// The step-count page, after Alipay's my.getRunData document: my.getRunData({countDate})
// -> post Alipay's own {encryptContent: res.response} as JSON to /alipay/run-data -> show
// what the server answered (the count masked, the date) or its fix.
// examples/miniprogram/test/page.test.mjs runs this file against the example server.
const app = getApp();

// `error`/`errorMessage` of a failed API call.
function describe(e) {
  if (!e) return 'no details';
  const parts = [];
  if (e.error !== undefined && e.error !== null && e.error !== '') parts.push(`error ${e.error}`);
  if (e.errorMessage) parts.push(e.errorMessage);
  return parts.length ? parts.join(': ') : 'no details';
}

// Yesterday, yyyy-mm-dd in local time: my.getRunData gives one of the last 30 days.
function yesterday() {
  const d = new Date(Date.now() - 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

Page({
  data: {
    countDate: '',
    count: '',
    shownDate: '',
    error: '',
  },

  onLoad() {
    this.setData({ countDate: yesterday() });
  },

  onDateInput(e) {
    this.setData({ countDate: (e && e.detail && e.detail.value) || '' });
  },

  // The client asks the user for the step-count authorisation itself.
  onGetRunData() {
    my.getRunData({
      countDate: this.data.countDate,
      success: (res) => this.sendRunData(res.response),
      fail: (e) => this.showError(`could not get the step count (${describe(e)})`),
    });
  },

  // Alipay's own sample: data {encryptContent: res.response}, res.response being the
  // envelope's JSON text. The object goes out as JSON only with the JSON content type: the
  // default (form-encoded) would turn '+' in the base64 into spaces.
  sendRunData(envelope) {
    const { backend, appId } = app.globalData;
    my.request({
      url: `${backend}/alipay/run-data?app_id=${encodeURIComponent(appId)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      data: { encryptContent: envelope },
      dataType: 'json',
      success: (r) => this.showAnswer(r.data),
      // A non-2xx status comes here (error 19) with the server's JSON in `data`.
      fail: (e) =>
        e && e.data && typeof e.data === 'object'
          ? this.showAnswer(e.data)
          : this.showError(`request failed (${describe(e)})`),
    });
  },

  // {"status":"ok","code":"10000","msg":"Success","count":"***","count_date":"2026-11-30"}
  // (the count is personal data: the server masks it) or the error JSON
  // {"status":"error","kind","message","hint"} (plus Alipay's code and sub_code).
  showAnswer(body) {
    if (body && body.status === 'ok' && body.count !== undefined && body.count_date) {
      this.setData({ count: String(body.count), shownDate: body.count_date, error: '' });
    } else if (body && body.kind) {
      const alipay = body.code ? ` ${body.code}${body.sub_code ? ` ${body.sub_code}` : ''}` : '';
      this.showError(`${body.kind}${alipay}: ${body.hint || body.message}`);
    } else {
      this.showError('unexpected answer from the server');
    }
  },

  showError(message) {
    this.setData({ count: '', shownDate: '', error: message });
  },
});
