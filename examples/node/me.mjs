// Calls GET /api/me with the API key in LATCHKEY_API_KEY and prints who the
// key belongs to; exits 1 with the API's message on an answer that is not
// 2xx. Node.js 18 or later (fetch is built in).
//
//   LATCHKEY_URL=http://localhost:8080 LATCHKEY_API_KEY=lk_test_… node examples/node/me.mjs
const { LATCHKEY_URL: base, LATCHKEY_API_KEY: key } = process.env;
if (!base || !key) {
  console.error('set LATCHKEY_URL and LATCHKEY_API_KEY');
  process.exit(2);
}
const res = await fetch(new URL('/api/me', base), {
  headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
  signal: AbortSignal.timeout(10_000),
});
const body = await res.json().catch(() => ({}));
if (!res.ok) {
  console.error(`${res.status}: ${body.message || res.statusText}`);
  process.exit(1);
}
console.log(`${body.user.name} <${body.user.email}>, by ${body.auth.method} with ${body.auth.permissions.join(', ')}`);
