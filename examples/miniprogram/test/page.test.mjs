// The mini-program pages, run by Node against the example server.
//
// A page's own app.js and <page>.js (pages/phone/phone, pages/phone-button/phone-button,
// pages/run/run) run in a vm context with a stand-in `my`, `App`, `getApp` and `Page`;
// <page>.axml is rendered from the page's `setData` state by a small evaluator of `a:if` /
// `a:elif` / `a:else` and `{{ }}`, and the test fires the events of the elements the
// template renders (tap, input, onGetAuthorize, onGetPhoneNumber), through the handler names
// they bind. `my.getPhoneNumber` and `my.getRunData` hand the page envelopes made by
// `alipay-phone forge` (the button's event.detail is derived from one); `my.request` sends a
// real HTTP request to the example server (`--demo`, on 127.0.0.1, an ephemeral port) the way
// the Alipay client does.
//
//   scripts/miniprogram-test.sh          # builds the CLI and the server, then runs this
//   node --test examples/miniprogram/test/page.test.mjs   # with both already built
//
// Binaries: ALIPAY_PHONE_BIN and PHONE_SERVER_BIN override target/debug/alipay-phone and
// target/debug/examples/server (CARGO_TARGET_DIR is honoured).
// Only Node's built-ins (Node 18+: node:test, global fetch).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import http from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const miniprogram = path.resolve(here, '..');
const root = path.resolve(miniprogram, '../..');
const target = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const CLI = process.env.ALIPAY_PHONE_BIN || path.join(target, 'debug', 'alipay-phone');
const SERVER = process.env.PHONE_SERVER_BIN || path.join(target, 'debug', 'examples', 'server');
const DATA = path.join(root, 'examples', 'data');

const MOBILE = '13800138000';
const MASKED = '138****8000';

// ---------------------------------------------------------------------------------------
// Alipay's side: envelopes from `alipay-phone forge` with the public demo keys.

function forge(...content) {
  assert.ok(existsSync(CLI), `${CLI} is missing: cargo build -p phone-cli --all-features`);
  return execFileSync(
    CLI,
    [
      'forge',
      '--alipay-private-key', `@${path.join(DATA, 'alipay_private_key.pem')}`,
      '--aes-key', `@${path.join(DATA, 'aes_key.txt')}`,
      ...content,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  ).trim();
}

// ---------------------------------------------------------------------------------------
// The example server, started once for the file.

let server; // { url, child, log }

function startServer() {
  assert.ok(existsSync(SERVER), `${SERVER} is missing: cargo build --example server`);
  return new Promise((resolve, reject) => {
    const child = spawn(SERVER, ['--demo'], {
      cwd: root,
      env: { ...process.env, PHONE_LISTEN: '127.0.0.1:0', RUST_LOG: 'info', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the example server did not say where it listens within 15 s:\n${log}`));
    }, 15_000);
    const onData = (chunk) => {
      // tracing's line: `... INFO server: listening addr=127.0.0.1:PORT backend="ring"`
      log += chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
      const m = /listening.*?(127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `http://${m[1]}`, child, log: () => log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the example server exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
}

function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGINT'); // the server shuts down gracefully on Ctrl-C
  });
}

before(async () => {
  server = await startServer();
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200, 'GET /healthz');
});

after(async () => {
  await stopServer(server && server.child);
});

// ---------------------------------------------------------------------------------------
// The Alipay client, as far as this page uses it.

/**
 * A stand-in `my`. `phone` scripts my.getPhoneNumber: `{ response }` for success or
 * `{ fail }` for its fail callback. `httpErrors` says where a non-2xx answer goes:
 * 'fail' (Alipay's my.request: error 19 with status, headers and data) or 'success'
 * (clients that hand every status to success); the page must handle both.
 */
function standInMy({ canIUse = true, phone, runData, httpErrors = 'fail', acceptLanguage } = {}) {
  const pending = [];
  const calls = { canIUse: [], getPhoneNumber: 0, getRunData: [], requests: [] };
  const later = (fn) => {
    const p = new Promise((resolve, reject) => setImmediate(() => Promise.resolve().then(fn).then(resolve, reject)));
    pending.push(p);
    return p;
  };
  const my = {
    canIUse(what) {
      calls.canIUse.push(what);
      return canIUse;
    },
    getPhoneNumber(opts) {
      calls.getPhoneNumber += 1;
      later(() => {
        if (!phone) throw new Error('my.getPhoneNumber called but the test scripted no answer');
        if (phone.fail) opts.fail && opts.fail(phone.fail);
        else opts.success && opts.success({ response: phone.response });
        opts.complete && opts.complete();
      });
    },
    // `runData` scripts my.getRunData as `phone` does my.getPhoneNumber.
    getRunData(opts) {
      calls.getRunData.push({ countDate: opts.countDate });
      later(() => {
        if (!runData) throw new Error('my.getRunData called but the test scripted no answer');
        if (runData.fail) opts.fail && opts.fail(runData.fail);
        else opts.success && opts.success({ response: runData.response });
        opts.complete && opts.complete();
      });
    },
    request(opts) {
      later(async () => {
        const method = (opts.method || 'GET').toUpperCase();
        const headers = { ...(opts.header || {}), ...(opts.headers || {}) };
        // The client's own language, as a client set to Chinese sends it.
        if (acceptLanguage) headers['accept-language'] = acceptLanguage;
        let ctKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
        if (!ctKey) {
          ctKey = 'content-type';
          headers[ctKey] = 'application/x-www-form-urlencoded';
        }
        const json = /json/i.test(headers[ctKey]);
        let body;
        if (typeof opts.data === 'string') body = opts.data; // a string goes out unchanged
        else if (opts.data !== undefined && opts.data !== null) {
          body = json ? JSON.stringify(opts.data) : new URLSearchParams(opts.data).toString();
        }
        const sent = { url: opts.url, method, headers, body };
        calls.requests.push(sent);
        let res;
        try {
          res = await fetch(opts.url, { method, headers, body, redirect: 'manual' });
        } catch (e) {
          opts.fail && opts.fail({ error: 12, errorMessage: `network error: ${e.message}` });
          return;
        }
        const text = await res.text();
        sent.status = res.status;
        sent.response = text;
        let data = text;
        if ((opts.dataType || 'json').toLowerCase() === 'json') {
          try {
            data = JSON.parse(text);
          } catch {
            opts.fail && opts.fail({ error: 14, errorMessage: 'JSON decode failed', status: res.status, data: text });
            return;
          }
        }
        const result = { data, status: res.status, headers: Object.fromEntries(res.headers) };
        sent.responseHeaders = result.headers;
        if ((res.status >= 200 && res.status < 300) || httpErrors === 'success') opts.success && opts.success(result);
        else opts.fail && opts.fail({ error: 19, errorMessage: 'http status error', ...result });
        opts.complete && opts.complete();
      });
    },
  };
  // Runs until the page has nothing in flight (a callback may start another call).
  const settle = async () => {
    while (pending.length) await Promise.all(pending.splice(0));
  };
  return { my, calls, settle };
}

// ---------------------------------------------------------------------------------------
// A page: its own app.js and <page>.js in a vm context; <page>.axml rendered from its data.
// `page` is the path app.json registers (default: the phone page); `patch` rewrites the
// page's script before it runs (the front-end mistakes: the page with one line changed).

function loadPage({ backend, page: pagePath = 'pages/phone/phone', patch, ...myOptions }) {
  const { my, calls, settle } = standInMy(myOptions);
  let appConfig;
  let pageConfig;
  const context = vm.createContext({
    my,
    console,
    setTimeout,
    clearTimeout,
    App: (config) => {
      appConfig = config;
    },
    getApp: () => appConfig,
    Page: (config) => {
      pageConfig = config;
    },
  });
  const run = (file, rewrite = (src) => src) =>
    vm.runInContext(rewrite(readFileSync(path.join(miniprogram, file), 'utf8')), context, { filename: file });
  run('app.js');
  assert.ok(appConfig && appConfig.globalData, 'app.js calls App({ globalData })');
  const appId = appConfig.globalData.appId;
  if (backend) appConfig.globalData.backend = backend; // the port this run's server got
  run(`${pagePath}.js`, patch && ((src) => {
    const changed = patch(src);
    assert.notEqual(changed, src, `the patch changes ${pagePath}.js`);
    return changed;
  }));
  assert.ok(pageConfig, `${pagePath}.js calls Page({...})`);

  // A page instance as the framework makes it: the config's methods, its own copy of data.
  const page = { ...pageConfig, data: structuredClone(pageConfig.data) };
  page.setData = function setData(patch) {
    Object.assign(this.data, patch);
  };
  if (typeof page.onLoad === 'function') page.onLoad({});
  const template = parseAxml(readFileSync(path.join(miniprogram, `${pagePath}.axml`), 'utf8'), `${pagePath}.axml`);
  const view = () => render(template, page.data);
  // Fire the event an element binds (`on` names the attribute: onTap, onInput, ...).
  const fire = async (element, on, event) => {
    assert.ok(element, `the page renders the element for ${on}`);
    const handler = element.attrs[on];
    assert.ok(handler && typeof page[handler] === 'function', `${on}="${handler}" names a method of the page`);
    page[handler](event);
    await settle();
  };
  // Tap the rendered authorisation button through the handler names the template binds.
  const authButton = () => view().elements.find((e) => e.tag === 'button' && e.attrs['open-type'] === 'getAuthorize');
  const agree = async () => {
    const b = authButton();
    assert.ok(b, 'the page renders the getAuthorize button');
    assert.equal(b.attrs.scope, 'phoneNumber');
    page[b.attrs.onGetAuthorize]({ type: 'getAuthorize', detail: {} });
    await settle();
  };
  const decline = async (detail) => {
    const b = authButton();
    assert.ok(b, 'the page renders the getAuthorize button');
    page[b.attrs.onError]({ type: 'error', detail });
    await settle();
  };
  return { page, calls, view, fire, authButton, agree, decline, appId };
}

/** A tiny AXML parser: elements, attributes, text; comments dropped. */
function parseAxml(src, name = 'phone.axml') {
  const rootNode = { tag: '#root', attrs: {}, children: [] };
  const stack = [rootNode];
  const re = /<!--[\s\S]*?-->|<\/([\w-]+)\s*>|<([\w-]+)((?:\s+[\w:.-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>|([^<]+)/g;
  for (const m of src.matchAll(re)) {
    const top = stack[stack.length - 1];
    if (m[1]) {
      assert.equal(top.tag, m[1], `${name}: </${m[1]}> closes <${top.tag}>`);
      stack.pop();
    } else if (m[2]) {
      const attrs = {};
      for (const a of m[3].matchAll(/([\w:.-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/g)) attrs[a[1]] = a[2] ?? a[3] ?? '';
      const node = { tag: m[2], attrs, children: [] };
      top.children.push(node);
      if (!m[4]) stack.push(node);
    } else if (m[5] && m[5].trim()) {
      top.children.push({ text: m[5] });
    } else if (!m[0].startsWith('<!--') && m[0].trim()) {
      assert.fail(`${name}: cannot parse ${JSON.stringify(m[0])}`);
    }
  }
  assert.equal(stack.length, 1, `${name}: every element is closed`);
  return rootNode;
}

function evaluate(expr, data) {
  // eslint-disable-next-line no-new-func
  return new Function('data', `with (data) { return (${expr}); }`)(data);
}

function interpolate(text, data) {
  return text.replace(/\{\{([\s\S]*?)\}\}/g, (_, e) => {
    const v = evaluate(e, data);
    return v === undefined || v === null ? '' : String(v);
  });
}

function condition(value, data) {
  const m = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(value);
  assert.ok(m, `a:if/a:elif takes {{ }}: ${value}`);
  return Boolean(evaluate(m[1], data));
}

/** What the user sees: the visible text, and the visible elements with their own text. */
function render(node, data) {
  const elements = [];
  const walk = (n) => {
    let text = '';
    let chainTaken = null; // inside an a:if / a:elif / a:else chain: whether a branch was shown
    for (const child of n.children) {
      if (child.text !== undefined) {
        chainTaken = null;
        text += ` ${interpolate(child.text, data)}`;
        continue;
      }
      const a = child.attrs;
      let show;
      if ('a:if' in a) {
        show = condition(a['a:if'], data);
        chainTaken = show;
      } else if ('a:elif' in a || 'a:else' in a) {
        assert.notEqual(chainTaken, null, `<${child.tag}> with a:elif/a:else follows an a:if`);
        show = !chainTaken && ('a:else' in a || condition(a['a:elif'], data));
        chainTaken = chainTaken || show;
        if ('a:else' in a) chainTaken = null;
      } else {
        chainTaken = null;
        show = true;
      }
      if (!show) continue;
      const attrs = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, interpolate(v, data)]));
      const element = { tag: child.tag, attrs, text: '' };
      elements.push(element);
      element.text = walk(child).replace(/\s+/g, ' ').trim();
      text += ` ${element.text}`;
    }
    return text;
  };
  const text = walk(node).replace(/\s+/g, ' ').trim();
  return { text, elements };
}

// ---------------------------------------------------------------------------------------
// The scenarios, as functions of the backend URL so that they can also be run against a
// server that answers wrongly (the last test: the checks do fail).

async function expectMaskedNumber(backend, httpErrors = 'fail') {
  const envelope = forge('--mobile', MOBILE);
  const p = loadPage({ backend, phone: { response: envelope }, httpErrors });
  assert.deepEqual(p.calls.canIUse, ['button.open-type.getAuthorize']);
  await p.agree();

  // What went out: one POST of the envelope text, unchanged, as JSON, for app.js's app id.
  assert.equal(p.calls.getPhoneNumber, 1);
  assert.equal(p.calls.requests.length, 1, 'one request to the backend');
  const sent = p.calls.requests[0];
  assert.equal(sent.method, 'POST');
  const url = new URL(sent.url);
  assert.equal(url.pathname, '/alipay/phone');
  assert.equal(url.searchParams.get('app_id'), p.appId);
  assert.match(sent.headers['content-type'], /^application\/json/);
  assert.equal(sent.body, envelope, 'the envelope goes out byte for byte');

  // What came back, and what the page shows.
  assert.equal(sent.status, 200, `HTTP status: ${sent.response}`);
  assert.deepEqual(JSON.parse(sent.response), { status: 'ok', code: '10000', msg: 'Success', mobile: MASKED });
  assert.equal(p.page.data.mobile, MASKED);
  assert.equal(p.page.data.error, '');
  const { text, elements } = p.view();
  assert.ok(elements.some((e) => e.attrs.class === 'mobile' && e.text === `Phone: ${MASKED}`), text);
  assert.ok(!elements.some((e) => e.attrs.class === 'error'), `no error shown: ${text}`);
  assert.ok(!text.includes(MOBILE) && !JSON.stringify(p.page.data).includes(MOBILE), 'the full number never reaches the page');
}

async function expectAlipayErrorFix(backend, httpErrors = 'fail') {
  // 40003 isv.invalid-auth-relations: my.getPhoneNumber called without the user's authorisation.
  const p = loadPage({ backend, phone: { response: forge('--code', '40003') }, httpErrors });
  await p.agree();
  assert.equal(p.calls.requests.length, 1);
  const sent = p.calls.requests[0];
  assert.equal(sent.status, 422, `HTTP status: ${sent.response}`);
  const body = JSON.parse(sent.response);
  assert.equal(body.kind, 'alipay_error');
  assert.equal(body.code, '40003');

  assert.equal(p.page.data.mobile, '');
  const error = p.page.data.error;
  assert.match(error, /^alipay_error 40003 isv\.invalid-auth-relations: /);
  assert.ok(error.endsWith(body.hint), `the page shows the server's fix: ${error}`);
  assert.match(error, /getAuthorize/, 'the fix names the authorisation button');
  const { elements } = p.view();
  assert.ok(elements.some((e) => e.attrs.class === 'error' && e.text === error));
  assert.ok(!elements.some((e) => e.attrs.class === 'mobile'));
}

// ---------------------------------------------------------------------------------------

test('old client: canIUse is false, so the fallback message instead of the button', () => {
  const p = loadPage({ canIUse: false });
  assert.deepEqual(p.calls.canIUse, ['button.open-type.getAuthorize']);
  assert.equal(p.page.data.canIUseAuthButton, false);
  const { text, elements } = p.view();
  assert.equal(p.authButton(), undefined, 'no getAuthorize button on an old client');
  const fallback = elements.find((e) => e.attrs.class === 'fallback');
  assert.ok(fallback, `fallback shown: ${text}`);
  assert.match(fallback.text, /update Alipay/);
  assert.equal(p.calls.getPhoneNumber + p.calls.requests.length, 0);
});

test('current client: the button, and no fallback message', () => {
  const p = loadPage({});
  assert.equal(p.page.data.canIUseAuthButton, true);
  assert.ok(p.authButton());
  assert.ok(!p.view().elements.some((e) => e.attrs.class === 'fallback'));
});

test('authorised: the envelope from forge goes through the example server and the page shows the masked number', async () => {
  await expectMaskedNumber(server.url);
});

test('Alipay error 40003: the page shows the fix (non-2xx to fail, as Alipay; or to success)', async () => {
  await expectAlipayErrorFix(server.url, 'fail');
  await expectAlipayErrorFix(server.url, 'success');
});

test('a tampered envelope: the page shows bad_signature and no number', async () => {
  const envelope = forge('--mobile', MOBILE).replace('"sign":"', '"sign":"AAAA');
  const p = loadPage({ backend: server.url, phone: { response: envelope } });
  await p.agree();
  assert.equal(p.calls.requests[0].status, 403);
  assert.match(p.page.data.error, /^bad_signature: /);
  assert.equal(p.page.data.mobile, '');
});

test('the user declines on the button (onError): its message, and nothing is asked or posted', async () => {
  const p = loadPage({ backend: server.url });
  await p.decline({ type: 'getAuthorize', error: 11, errorMessage: '用户取消授权' });
  assert.equal(p.calls.getPhoneNumber, 0, 'my.getPhoneNumber is not called without the authorisation');
  assert.equal(p.calls.requests.length, 0);
  assert.equal(p.page.data.error, 'phone number not shared (error 11: 用户取消授权); you can type it in instead');
  const { elements } = p.view();
  assert.ok(elements.some((e) => e.attrs.class === 'error' && e.text === p.page.data.error));
  assert.ok(p.authButton(), 'the button stays, to try again');
});

test('my.getPhoneNumber fails (the user refuses): its message, and nothing is posted', async () => {
  const p = loadPage({ backend: server.url, phone: { fail: { error: 11, errorMessage: 'user cancelled' } } });
  await p.agree();
  assert.equal(p.calls.getPhoneNumber, 1);
  assert.equal(p.calls.requests.length, 0);
  assert.equal(p.page.data.error, 'could not get the phone number (error 11: user cancelled); you can type it in instead');
  assert.ok(p.view().elements.some((e) => e.attrs.class === 'error' && e.text === p.page.data.error));
});

test('the backend cannot be reached: the page says the request failed', async () => {
  // A port that was free a moment ago; nothing listens on it.
  const port = await new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = s.address();
      s.close(() => resolve(free));
    });
  });
  const p = loadPage({ backend: `http://127.0.0.1:${port}`, phone: { response: forge('--mobile', MOBILE) } });
  await p.agree();
  assert.match(p.page.data.error, /^request failed \(error 12: network error/);
  assert.equal(p.page.data.mobile, '');
});

test('the checks fail against a server that answers otherwise', async (t) => {
  // Stand-in backends, each answering one way the real server must not; the scenarios above
  // must reject every one of them.
  const real40003 = await (
    await fetch(`${server.url}/alipay/phone?app_id=2021001234567890`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: forge('--code', '40003'),
    })
  ).json();
  const stubs = [];
  const stub = async (status, body) => {
    const s = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    stubs.push(s);
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${s.address().port}`;
  };
  try {
    // Sanity: the stand-ins themselves are accepted where they answer right.
    await expectMaskedNumber(await stub(200, { status: 'ok', code: '10000', msg: 'Success', mobile: MASKED }));
    await expectAlipayErrorFix(await stub(422, real40003));

    const wrongStatus = await stub(500, { status: 'ok', code: '10000', msg: 'Success', mobile: MASKED });
    await t.test('success body with status 500', () => assert.rejects(expectMaskedNumber(wrongStatus, 'success')));
    const created = await stub(201, { status: 'ok', code: '10000', msg: 'Success', mobile: MASKED });
    await t.test('success body with status 201', () => assert.rejects(expectMaskedNumber(created)));
    const unmasked = await stub(200, { status: 'ok', code: '10000', msg: 'Success', mobile: MOBILE });
    await t.test('the full number', () => assert.rejects(expectMaskedNumber(unmasked)));
    const error500 = await stub(500, real40003);
    await t.test('the Alipay error as 500', () => assert.rejects(expectAlipayErrorFix(error500)));
    const noFix = await stub(422, { ...real40003, hint: 'try again later' });
    await t.test('the Alipay error without its fix', () => assert.rejects(expectAlipayErrorFix(noFix)));
  } finally {
    await Promise.all(stubs.map((s) => new Promise((resolve) => s.close(resolve))));
  }
});

// ---------------------------------------------------------------------------------------
// Base library 2.8.0+: the button hands {encryptedData, sign} to onGetPhoneNumber.

const APP_JSON = JSON.parse(readFileSync(path.join(miniprogram, 'app.json'), 'utf8'));
const BUTTON_PAGE = 'pages/phone-button/phone-button';
const RUN_PAGE = 'pages/run/run';

/** The button event's detail carrying the same ciphertext and signature as the envelope. */
function detailOf(envelope) {
  const env = JSON.parse(envelope);
  return { encryptedData: env.response, sign: env.sign };
}

/** The getAuthorize button of the button page, and a tap that hands it `detail`. */
async function tapPhoneButton(p, detail) {
  const b = p.view().elements.find((e) => e.tag === 'button' && e.attrs['open-type'] === 'getAuthorize');
  assert.ok(b, 'the button page renders the getAuthorize button');
  assert.equal(b.attrs.scope, 'phoneNumber');
  assert.equal(b.attrs.onGetPhoneNumber, 'onGetPhoneNumber');
  await p.fire(b, 'onGetPhoneNumber', { type: 'getPhoneNumber', detail });
}

/** The one request the page sent, checked as a JSON POST to `route` for app.js's app id. */
function sentJson(p, route) {
  assert.equal(p.calls.requests.length, 1, 'one request to the backend');
  const sent = p.calls.requests[0];
  assert.equal(sent.method, 'POST');
  const url = new URL(sent.url);
  assert.equal(url.pathname, route);
  assert.equal(url.searchParams.get('app_id'), p.appId);
  assert.match(sent.headers['content-type'], /^application\/json/);
  return sent;
}

/** The page shows the error `expected` in its error element, and nothing else of the answer. */
function showsError(p, expected, others = ['mobile', 'steps']) {
  assert.equal(p.page.data.error, expected);
  const { text, elements } = p.view();
  assert.ok(elements.some((e) => e.attrs.class === 'error' && e.text === expected), `error shown: ${text}`);
  for (const c of others) assert.ok(!elements.some((e) => e.attrs.class === c), `no ${c} shown: ${text}`);
}

async function expectButtonMaskedNumber(backend) {
  const detail = detailOf(forge('--mobile', MOBILE));
  const p = loadPage({ backend, page: BUTTON_PAGE });
  await tapPhoneButton(p, detail);
  assert.equal(p.calls.getPhoneNumber, 0, 'no my.getPhoneNumber: the number came with the event');
  const sent = sentJson(p, '/alipay/phone');
  assert.equal(sent.body, JSON.stringify(detail), 'event.detail goes out as it is, as JSON');

  assert.equal(sent.status, 200, `HTTP status: ${sent.response}`);
  assert.deepEqual(JSON.parse(sent.response), { status: 'ok', code: '10000', msg: 'Success', mobile: MASKED });
  assert.equal(p.page.data.mobile, MASKED);
  assert.equal(p.page.data.error, '');
  const { text, elements } = p.view();
  assert.ok(elements.some((e) => e.attrs.class === 'mobile' && e.text === `Phone: ${MASKED}`), text);
  assert.ok(!elements.some((e) => e.attrs.class === 'error'), `no error shown: ${text}`);
  assert.ok(!text.includes(MOBILE) && !JSON.stringify(p.page.data).includes(MOBILE), 'the full number never reaches the page');
}

test('app.json registers the three pages, each with its script, template, style and config', () => {
  assert.deepEqual(APP_JSON.pages, ['pages/phone/phone', BUTTON_PAGE, RUN_PAGE]);
  for (const page of APP_JSON.pages) {
    for (const ext of ['js', 'axml', 'acss']) assert.ok(existsSync(path.join(miniprogram, `${page}.${ext}`)), `${page}.${ext}`);
  }
  for (const page of [BUTTON_PAGE, RUN_PAGE]) JSON.parse(readFileSync(path.join(miniprogram, `${page}.json`), 'utf8'));
});

test('button (2.8.0+): event.detail goes to /alipay/phone as it is and the page shows the masked number', async () => {
  await expectButtonMaskedNumber(server.url);
});

test('button: a tampered detail (sign altered) shows bad_signature and its fix, no number', async () => {
  const detail = detailOf(forge('--mobile', MOBILE));
  detail.sign = `AAAA${detail.sign}`;
  const p = loadPage({ backend: server.url, page: BUTTON_PAGE });
  await tapPhoneButton(p, detail);
  const sent = sentJson(p, '/alipay/phone');
  assert.equal(sent.body, JSON.stringify(detail));
  assert.equal(sent.status, 403, sent.response);
  const body = JSON.parse(sent.response);
  assert.equal(body.kind, 'bad_signature');
  assert.match(body.hint, /Alipay public key/);
  showsError(p, `bad_signature: ${body.hint}`);
});

test('button: an unsigned detail ({encryptedData} only) shows missing_signature and the console fix', async () => {
  const { encryptedData } = detailOf(forge('--mobile', MOBILE));
  const p = loadPage({ backend: server.url, page: BUTTON_PAGE });
  await tapPhoneButton(p, { encryptedData });
  const sent = sentJson(p, '/alipay/phone');
  assert.deepEqual(JSON.parse(sent.body), { encryptedData });
  assert.equal(sent.status, 403, sent.response);
  const body = JSON.parse(sent.response);
  assert.equal(body.kind, 'missing_signature');
  assert.match(body.hint, /接口加签方式/, 'the fix names the console setting');
  showsError(p, `missing_signature: ${body.hint}`);
});

test('button: Alipay error 40003 in the detail shows the fix', async () => {
  const p = loadPage({ backend: server.url, page: BUTTON_PAGE });
  await tapPhoneButton(p, detailOf(forge('--code', '40003')));
  const sent = sentJson(p, '/alipay/phone');
  assert.equal(sent.status, 422, sent.response);
  const body = JSON.parse(sent.response);
  assert.equal(body.code, '40003');
  showsError(p, `alipay_error 40003 isv.invalid-auth-relations: ${body.hint}`);
});

test('button: a client before 2.8.0 (no encryptedData in the detail) posts nothing and says so', async () => {
  const p = loadPage({ backend: server.url, page: BUTTON_PAGE });
  await tapPhoneButton(p, {});
  assert.equal(p.calls.requests.length, 0);
  showsError(p, 'this client did not hand the phone number to the button (base library 2.8.0+ needed)');
});

test('button: the user declines (onError): its message, nothing posted; old client: the fallback', async () => {
  const p = loadPage({ backend: server.url, page: BUTTON_PAGE });
  const b = p.view().elements.find((e) => e.tag === 'button');
  await p.fire(b, 'onError', { type: 'error', detail: { error: 11, errorMessage: '用户取消授权' } });
  assert.equal(p.calls.requests.length, 0);
  showsError(p, 'phone number not shared (error 11: 用户取消授权); you can type it in instead');

  const old = loadPage({ canIUse: false, page: BUTTON_PAGE });
  assert.ok(!old.view().elements.some((e) => e.tag === 'button'));
  assert.match(old.view().text, /update Alipay/);
});

// ---------------------------------------------------------------------------------------
// The run-data page: my.getRunData -> {encryptContent: res.response} -> /alipay/run-data.

const COUNT = 16880;
const COUNT_DATE = '2026-11-30';
const RUN_PLAINTEXT = JSON.stringify({ count: COUNT, countDate: COUNT_DATE, code: '10000', msg: 'Success' });

/** Loads the run page, types `date` into its input and taps its button. */
async function shareSteps({ date = COUNT_DATE, ...options }) {
  const p = loadPage({ page: RUN_PAGE, ...options });
  const { elements } = p.view();
  await p.fire(elements.find((e) => e.tag === 'input'), 'onInput', { type: 'input', detail: { value: date } });
  assert.equal(p.view().elements.find((e) => e.tag === 'input').attrs.value, date, 'the input shows the date');
  await p.fire(p.view().elements.find((e) => e.tag === 'button'), 'onTap', { type: 'tap' });
  assert.deepEqual(p.calls.getRunData, [{ countDate: date }], 'my.getRunData({countDate}) with the typed date');
  return p;
}

async function expectMaskedSteps(backend) {
  const envelope = forge('--plaintext', RUN_PLAINTEXT);
  const p = await shareSteps({ backend, runData: { response: envelope } });
  const sent = sentJson(p, '/alipay/run-data');
  assert.deepEqual(Object.keys(JSON.parse(sent.body)), ['encryptContent']);
  assert.equal(JSON.parse(sent.body).encryptContent, envelope, "Alipay's own {encryptContent: res.response}, the text unchanged");

  assert.equal(sent.status, 200, `HTTP status: ${sent.response}`);
  assert.deepEqual(JSON.parse(sent.response), { status: 'ok', code: '10000', msg: 'Success', count: '***', count_date: COUNT_DATE });
  assert.equal(p.page.data.error, '');
  const { text, elements } = p.view();
  assert.ok(elements.some((e) => e.attrs.class === 'steps' && e.text === `Steps on ${COUNT_DATE}: ***`), text);
  assert.ok(!elements.some((e) => e.attrs.class === 'error'), `no error shown: ${text}`);
  assert.ok(!text.includes(String(COUNT)) && !JSON.stringify(p.page.data).includes(String(COUNT)), 'the count never reaches the page');
}

test('run data: the page starts on yesterday, a valid yyyy-mm-dd', () => {
  const p = loadPage({ page: RUN_PAGE });
  assert.match(p.page.data.countDate, /^\d{4}-\d{2}-\d{2}$/);
  const age = Date.now() - new Date(`${p.page.data.countDate}T12:00:00`).getTime();
  assert.ok(age > 0 && age < 2 * 24 * 3600 * 1000, `yesterday: ${p.page.data.countDate}`);
  assert.equal(p.view().elements.find((e) => e.tag === 'input').attrs.value, p.page.data.countDate);
  assert.ok(!p.view().elements.some((e) => e.attrs.class === 'steps' || e.attrs.class === 'error'));
});

test('run data: {encryptContent} goes to /alipay/run-data and the page shows the masked count and the date', async () => {
  await expectMaskedSteps(server.url);
});

test('run data: Alipay error 40006 shows its code and the fix', async () => {
  const p = await shareSteps({ backend: server.url, runData: { response: forge('--code', '40006') } });
  const sent = sentJson(p, '/alipay/run-data');
  assert.equal(sent.status, 422, sent.response);
  const body = JSON.parse(sent.response);
  assert.equal(body.kind, 'alipay_error');
  assert.equal(body.code, '40006');
  assert.equal(body.sub_code, 'isv.insufficient-isv-permissions');
  assert.ok(body.hint, 'a fix');
  showsError(p, `alipay_error 40006 isv.insufficient-isv-permissions: ${body.hint}`);
});

test('run data: my.getRunData fails (the user refuses): its message, nothing posted', async () => {
  const p = await shareSteps({ backend: server.url, runData: { fail: { error: 11, errorMessage: 'user cancelled' } } });
  assert.equal(p.calls.requests.length, 0);
  showsError(p, 'could not get the step count (error 11: user cancelled)');
});

// ---------------------------------------------------------------------------------------
// Front-end mistakes: the page's script with one line changed, as front ends get it wrong;
// the server names the mistake and the page shows that hint.

const RUN_DATA_LINE = 'data: { encryptContent: envelope },';

async function expectMistake(p, route, { message, hint, lang = 'en' }) {
  assert.equal(p.calls.requests.length, 1);
  const sent = p.calls.requests[0];
  assert.equal(new URL(sent.url).pathname, route);
  assert.equal(sent.status, 400, sent.response);
  const body = JSON.parse(sent.response);
  assert.equal(body.kind, 'malformed_envelope');
  assert.match(body.message, message);
  assert.match(body.hint, hint);
  assert.equal(sent.responseHeaders['content-language'], lang);
  showsError(p, `malformed_envelope: ${body.hint}`);
  return { sent, body };
}

test('mistake: the run page posts JSON.stringify(res.response) (encoded twice): the page shows that hint', async () => {
  const envelope = forge('--plaintext', RUN_PLAINTEXT);
  const p = await shareSteps({
    backend: server.url,
    runData: { response: envelope },
    patch: (src) => src.replace(RUN_DATA_LINE, 'data: JSON.stringify(envelope),'),
  });
  const { sent } = await expectMistake(p, '/alipay/run-data', { message: /encoded twice/, hint: /without JSON\.stringify/ });
  assert.equal(JSON.parse(sent.body), envelope, 'what went out: the envelope text as a JSON string');
});

test('mistake: the run page posts without the JSON content type (form-encoded): the page says send JSON', async () => {
  const p = await shareSteps({
    backend: server.url,
    runData: { response: forge('--plaintext', RUN_PLAINTEXT) },
    patch: (src) => src.replace("headers: { 'content-type': 'application/json' },", ''),
  });
  const { sent } = await expectMistake(p, '/alipay/run-data', { message: /form-encoded/, hint: /application\/json/ });
  assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.match(sent.body, /^encryptContent=/);
});

test('mistake: the phone page posts {data: res.response}: the page shows the hint naming the field', async () => {
  const p = loadPage({
    backend: server.url,
    phone: { response: forge('--mobile', MOBILE) },
    patch: (src) => src.replace('data: envelope,', 'data: { data: envelope },'),
  });
  await p.agree();
  await expectMistake(p, '/alipay/phone', { message: /nested in the field "data"/, hint: /encryptContent/ });
});

test('mistake, Chinese client (Accept-Language: zh-CN): the page shows the Chinese hint', async () => {
  const p = await shareSteps({
    backend: server.url,
    acceptLanguage: 'zh-CN,zh;q=0.9',
    runData: { response: forge('--plaintext', RUN_PLAINTEXT) },
    patch: (src) => src.replace(RUN_DATA_LINE, 'data: JSON.stringify(envelope),'),
  });
  const { body } = await expectMistake(p, '/alipay/run-data', { message: /encoded twice/, hint: /编码了两次/, lang: 'zh' });
  assert.equal(body.hint, body.hint_zh);
});

test('the button and run-data checks fail against a server that answers otherwise', async (t) => {
  const stubs = [];
  const stub = async (status, body) => {
    const s = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    stubs.push(s);
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${s.address().port}`;
  };
  const steps = { status: 'ok', code: '10000', msg: 'Success', count: '***', count_date: COUNT_DATE };
  try {
    // Sanity: the stand-ins are accepted where they answer right.
    await expectButtonMaskedNumber(await stub(200, { status: 'ok', code: '10000', msg: 'Success', mobile: MASKED }));
    await expectMaskedSteps(await stub(200, steps));

    const unmasked = await stub(200, { status: 'ok', code: '10000', msg: 'Success', mobile: MOBILE });
    await t.test('button: the full number', () => assert.rejects(expectButtonMaskedNumber(unmasked)));
    const count = await stub(200, { ...steps, count: String(COUNT) });
    await t.test('run data: the count unmasked', () => assert.rejects(expectMaskedSteps(count)));
    const otherDate = await stub(200, { ...steps, count_date: '2026-11-29' });
    await t.test('run data: another date', () => assert.rejects(expectMaskedSteps(otherDate)));
    const status500 = await stub(500, steps);
    await t.test('run data: status 500', () => assert.rejects(expectMaskedSteps(status500)));
  } finally {
    await Promise.all(stubs.map((s) => new Promise((resolve) => s.close(resolve))));
  }
});
