// Unit tests of web/latchkey.js, the client module, under Node's test runner
// with a stand-in fetch, location and clock: what it sends, how it reads
// the API's errors, when it sends the browser to sign in, and how it honours
// Retry-After. internal/devserver's TestClientModule runs them.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

const calls = [];
let answers = [];
const waits = [];
const assigned = [];

globalThis.location = {
  origin: 'https://app.example',
  pathname: '/keys',
  search: '?tab=mine',
  assign: (url) => assigned.push(url),
};
globalThis.fetch = async (url, init) => {
  calls.push({ url: String(url), ...init });
  const next = answers.shift();
  if (next instanceof Error) throw next;
  return next;
};
// Waits happen at once, and are recorded.
globalThis.setTimeout = (fn, ms) => {
  waits.push(ms);
  queueMicrotask(fn);
  return 0;
};

const { request, api, me, signInURL, LatchkeyError, parseRetryAfter, signOut } = await import('../../web/latchkey.js');

const json = (status, body, headers = {}) => new Response(body === undefined ? null : JSON.stringify(body),
  { status, headers: { 'Content-Type': 'application/json', ...headers } });

beforeEach(() => {
  calls.length = 0;
  waits.length = 0;
  assigned.length = 0;
  answers = [];
});

test('sends Accept: application/json and same-origin credentials, and decodes the answer', async () => {
  answers = [json(200, { keys: [] })];
  assert.deepEqual(await api.get('/api/keys', { query: { limit: 10, cursor: undefined } }), { keys: [] });
  assert.equal(calls[0].url, 'https://app.example/api/keys?limit=10');
  assert.equal(calls[0].method, 'GET');
  assert.equal(calls[0].credentials, 'same-origin');
  assert.equal(calls[0].headers.Accept, 'application/json');
  assert.equal(calls[0].headers['Content-Type'], undefined, 'no body, no content type');
});

test('encodes a body as JSON', async () => {
  answers = [json(201, { id: 'post_1' })];
  await api.post('/api/posts', { title: 't', body: 'b' });
  assert.equal(calls[0].headers['Content-Type'], 'application/json');
  assert.equal(calls[0].body, '{"title":"t","body":"b"}');
});

test('204 resolves with undefined', async () => {
  answers = [new Response(null, { status: 204 })];
  assert.equal(await api.del('/api/keys/key_1'), undefined);
});

test("turns the API's error shape into a LatchkeyError", async () => {
  answers = [json(409, { error: 'conflict', message: 'the post changed since you read it' })];
  await assert.rejects(api.put('/api/posts/p', {}), (err) => {
    assert.ok(err instanceof LatchkeyError);
    assert.ok(err instanceof Error);
    assert.deepEqual([err.status, err.code, err.message], [409, 'conflict', 'the post changed since you read it']);
    return true;
  });
});

test('an answer that is not JSON keeps its status', async () => {
  answers = [new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } })];
  await assert.rejects(api.get('/api/keys'), { status: 502, code: 'http_502', message: 'Bad Gateway' });
});

test('a network failure is status 0', async () => {
  answers = [new TypeError('fetch failed')];
  await assert.rejects(api.get('/api/keys'), { status: 0, code: 'network' });
});

test('on 401 it sends the browser to sign in, back to the current view', async () => {
  answers = [json(401, { error: 'unauthorized', message: 'a valid API key or session is required' })];
  await assert.rejects(api.get('/api/keys'), { status: 401 });
  assert.deepEqual(assigned, ['/api/auth/login?return_to=%2Fkeys%3Ftab%3Dmine']);
  assert.equal(signInURL('/posts/new'), '/api/auth/login?return_to=%2Fposts%2Fnew');
});

test('signIn: false leaves a 401 to the caller; me() answers null', async () => {
  answers = [json(401, { error: 'unauthorized', message: 'x' }), json(401, { error: 'unauthorized', message: 'x' })];
  await assert.rejects(request('/api/keys', { signIn: false }), { status: 401 });
  assert.equal(await me(), null);
  assert.deepEqual(assigned, []);
});

test('429 and 503 wait as Retry-After says, then try again', async () => {
  answers = [
    json(429, { error: 'rate_limited', message: 'slow down' }, { 'Retry-After': '2' }),
    json(503, { error: 'unavailable', message: 'try again' }, { 'Retry-After': '1' }),
    json(200, { ok: true }),
  ];
  assert.deepEqual(await api.post('/api/keys', { label: 'x' }), { ok: true });
  assert.equal(calls.length, 3);
  assert.deepEqual(waits, [2000, 1000]);
  assert.equal(calls[2].body, '{"label":"x"}', 'the retry sends the same body');
});

test('gives up after the retries, with retryAfter on the error', async () => {
  const busy = () => json(503, { error: 'unavailable', message: 'busy' }, { 'Retry-After': '1' });
  answers = [busy(), busy(), busy()];
  await assert.rejects(api.get('/api/me'), { status: 503, code: 'unavailable', retryAfter: 1 });
  assert.equal(calls.length, 3, 'the first try and two retries');
});

test('a Retry-After longer than maxWait fails at once', async () => {
  answers = [json(429, { error: 'rate_limited', message: 'slow down' }, { 'Retry-After': '120' })];
  await assert.rejects(api.get('/api/me', { maxWait: 10 }), { status: 429, retryAfter: 120 });
  assert.equal(calls.length, 1);
  assert.deepEqual(waits, []);
});

test('other errors are not retried', async () => {
  answers = [json(500, { error: 'internal', message: 'internal error' })];
  await assert.rejects(api.get('/api/me'), { status: 500 });
  assert.equal(calls.length, 1);
});

test('Retry-After: seconds, an HTTP date, or nothing usable', () => {
  assert.equal(parseRetryAfter('5'), 5);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter('-3'), undefined);
  const at = new Date(Date.now() + 30_000).toUTCString();
  assert.ok(Math.abs(parseRetryAfter(at) - 30) <= 1);
  assert.equal(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString()), 0);
});

test('only calls its own origin', async () => {
  await assert.rejects(api.get('https://evil.example/api/keys'), TypeError);
  await assert.rejects(api.get('//evil.example/api/keys'), TypeError);
  assert.equal(calls.length, 0);
});

test("signOut goes on to the provider's sign-out page when there is one", async () => {
  answers = [json(200, { endSessionUrl: 'https://idp.example/logout?client_id=x' }), json(200, {})];
  assert.equal(await signOut(), true);
  assert.deepEqual(assigned, ['https://idp.example/logout?client_id=x']);
  assert.equal(await signOut(), false);
  assert.equal(calls[0].method, 'POST');
});
