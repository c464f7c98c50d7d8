// Unit tests of the console's pure helpers: a key's state and a user agent
// in words. internal/devserver's TestClientModule runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const { keyState } = await import('../../web/views/keys.js');
const { describeAgent } = await import('../../web/views/sessions.js');
const { describeEvent } = await import('../../web/views/security.js');

const now = Date.parse('2026-11-29T12:00:00Z');
const at = (hours) => new Date(now + hours * 3600 * 1000).toISOString();

test('a key is in one state, the most pressing first', () => {
  const cases = [
    [{}, 'Active'],
    [{ expiresAt: at(24 * 30) }, 'Active'],
    [{ expiresAt: at(24 * 7 + 1) }, 'Active'],
    [{ expiresAt: at(24 * 7) }, 'Expires soon'],
    [{ expiresAt: at(1) }, 'Expires soon'],
    [{ expiresAt: at(0) }, 'Expired'],
    [{ expiresAt: at(-1) }, 'Expired'],
    [{ previousExpiresAt: at(1) }, 'In rotation grace'],
    [{ previousExpiresAt: at(-1) }, 'Active'],
    [{ previousExpiresAt: at(1), expiresAt: at(2) }, 'In rotation grace'],
    [{ previousExpiresAt: at(1), expiresAt: at(-2) }, 'Expired'],
  ];
  for (const [key, want] of cases) {
    assert.equal(keyState({ id: 'key_x', label: 'x', hint: 'h', permissions: ['read'], environment: 'test', createdAt: at(-100), ...key }, now).text, want, JSON.stringify(key));
  }
});

test('user agents in words', () => {
  const cases = [
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', 'Chrome on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Edge on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0', 'Firefox on Android'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'Headless Chrome on Linux'],
    ['curl/8.5.0', 'curl'],
    ['', 'Unknown browser'],
    ['something/1.0', 'Unknown browser'],
  ];
  for (const [ua, want] of cases) assert.equal(describeAgent(ua), want, ua);
});

test('a security event says what happened, where a key was found and what changed', () => {
  const key = { keyId: 'key_x', label: 'deploy', hint: 'lk_live_…R02x' }; // shown as …R02x
  const cases = [
    [{ kind: 'key-auto-revoked', details: { ...key, reason: 'found in public', url: 'https://github.com/o/r/blob/x/.env', source: 'content' } },
      'Key “deploy” (…R02x) was revoked automatically: found in public at https://github.com/o/r/blob/x/.env'],
    [{ kind: 'key-updated', details: { ...key, allowedCidrs: 'any address', address: '192.0.2.1' } },
      'Changed key “deploy” (…R02x) from 192.0.2.1; it now works from any address'],
    [{ kind: 'key-updated', details: { ...key, allowedCidrs: '203.0.113.0/24 2001:db8::/48', address: '192.0.2.1' } },
      'Changed key “deploy” (…R02x) from 192.0.2.1; it now works from 203.0.113.0/24 2001:db8::/48'],
  ];
  // The badge that flags some events is an element: a stand-in document
  // makes one.
  globalThis.document ??= /** @type {any} */ ({ createElement: () => ({ append() {}, setAttribute() {}, classList: { add() {} } }), createTextNode: (t) => ({ t }) });
  for (const [event, want] of cases) {
    assert.equal(describeEvent({ id: 'evt_x', at: '2026-11-30T00:00:00Z', ...event }).text, want);
  }
});
