// Drives the security log in headless Chromium as a person does:
// internal/devserver's TestBrowserSecurityLog runs it against a fresh local
// server. Ada signs in, makes a dozen keys for her scripts, creates a key,
// regenerates it and revokes it, and ends the session of her other device;
// Rex, another user, signs in and is refused reading, editing, deleting and
// publishing Ada's draft, each many times over, which her log records once
// each (posts.RefusalWindow). Ada opens the Security log from
// the menu and reads those events in words, newest first, page by page
// with the keyboard; Rex's sign-in is not there, and no secret (the keys'
// secrets, the session cookies) is anywhere on the page or in the log's
// answers. The empty and the error states are seen with the API's answers
// replaced. With SCREENSHOT_DIR set, it saves the view at desktop width and
// at 375 px. It prints {"ok":true} and exits 0, or prints the failure and
// exits non-zero.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { base, launch, openPage, signIn, assertClean, withKey, failed } from './lib.mjs';

const step = (name) => process.stderr.write(`· ${name}\n`);
const shots = process.env.SCREENSHOT_DIR;
const secrets = [];
// Ada's draft in the seed (internal/seed.DraftID), which Rex may not read.
const draft = 'post_draftdraftdraftdraftdraftd';
// Rex is refused each action on it this often; the log records each once.
const refusals = 4;
// Ada's keys for her scripts: with her other events, more than a page.
const scripts = 12;

/** Reads the secret from the dialog that shows it, and closes it. */
async function takeSecret(page, title) {
  const dialog = page.getByRole('dialog', { name: title });
  const secret = await dialog.getByLabel('Secret key').inputValue();
  assert.match(secret, /^lk_test_/, 'the dialog shows a key');
  secrets.push(secret);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForFunction(() => !document.querySelector('dialog'));
  return secret;
}

/** The session cookie's value, a secret too. */
async function sessionCookie(page) {
  const c = (await page.context().cookies()).find((x) => x.name === '__Host-latchkey_session');
  assert.ok(c, 'a session cookie');
  return c.value;
}

/** The events on the page, in order, as text. */
function shown(page) {
  return page.locator('ol.events > li .item-title').allTextContents();
}

const browser = await launch();
try {
  step('Ada signs in and creates, regenerates and revokes a key');
  const ada = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(ada, 'Ada Author', '/keys');
  secrets.push(await sessionCookie(ada));
  const made = await ada.evaluate(async (n) => {
    const out = [];
    for (let i = 1; i <= n; i++) {
      const r = await fetch('/api/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ label: `script ${i}`, permissions: ['read'] }) });
      out.push({ status: r.status, key: (await r.json()).key });
    }
    return out;
  }, scripts);
  assert.deepEqual([...new Set(made.map((m) => m.status))], [201], 'the scripts\' keys are made');
  secrets.push(...made.map((m) => m.key));
  await ada.reload();
  await ada.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  await ada.getByLabel('Label').fill('nightly backup');
  await ada.getByRole('button', { name: 'Create API key' }).click();
  const first = await takeSecret(ada, 'Your new API key');
  assert.equal(await withKey(first, '/api/security-log'), 403, 'an API key may not read the security log');
  const row = ada.getByRole('row', { name: /nightly backup/ });
  await row.getByRole('button', { name: 'Regenerate' }).click();
  await ada.getByRole('dialog', { name: 'Regenerate “nightly backup”?' }).getByRole('button', { name: 'Regenerate' }).click();
  const second = await takeSecret(ada, 'New secret for “nightly backup”');
  const hint = (s) => '…' + s.slice(-4);
  await row.getByRole('button', { name: 'Revoke' }).click();
  await ada.getByRole('dialog', { name: 'Revoke API key?' }).getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });

  step('Ada ends the session of her other device');
  const phone = await openPage(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  await signIn(phone, 'Ada Author');
  secrets.push(await sessionCookie(phone));
  await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
  await ada.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  await ada.getByRole('button', { name: 'End session' }).click();
  await ada.getByRole('status').getByText(/ended/).waitFor();

  step('Rex, another user, signs in and is refused Ada\'s draft, again and again');
  const rex = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(rex, 'Rex Reader');
  secrets.push(await sessionCookie(rex));
  const statuses = await rex.evaluate(async ({ draft, refusals }) => {
    const json = { 'Content-Type': 'application/json' };
    const tries = [
      ['GET', '/api/posts/' + draft],
      ['PUT', '/api/posts/' + draft, JSON.stringify({ title: 'x', body: 'y', version: 1 })],
      ['DELETE', '/api/posts/' + draft],
      ['POST', '/api/posts/' + draft + '/publish'],
    ];
    const out = [];
    for (const [method, path, body] of tries) {
      for (let i = 0; i < refusals; i++) out.push((await fetch(path, { method, body, headers: body ? json : {} })).status);
    }
    return out;
  }, { draft, refusals });
  assert.deepEqual([...new Set(statuses)], [404], 'a draft another user may not read is 404, whatever he asks');

  step('Ada opens the Security log from the menu: her events, newest first, in words');
  await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security log' }).click();
  await ada.getByRole('heading', { name: 'Security log', level: 1 }).waitFor();
  assert.equal(new URL(ada.url()).pathname, '/security', 'the view has its own address');
  assert.equal(await ada.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent), 'H1 Security log', 'focus went to the heading');
  const list = ada.getByRole('list', { name: 'Events, newest first' });
  await list.waitFor();
  let events = await shown(ada);
  assert.equal(events.length, 20, 'a first page of 20 events');
  const refused = (doing) => `Another user was refused ${doing} your post “Unfinished thoughts”`;
  assert.deepEqual(events.slice(0, 4), ['publishing', 'deleting', 'editing', 'reading'].map(refused),
    'Rex\'s refusals first, once each however often, in Ada\'s words, without naming Rex');
  const host = new URL(base).host;
  const agent = 'Headless Chrome on Linux';
  assert.match(events[4], new RegExp(`^Ended the session in ${agent} from (127\\.0\\.0\\.1|::1)$`));
  assert.match(events[5], new RegExp(`^Signed in with ${host.replace('.', '\\.')} from (127\\.0\\.0\\.1|::1) \\(${agent}\\)$`), 'the phone\'s sign-in');
  assert.match(events[6], new RegExp(`^Revoked key “nightly backup” \\(${hint(second)}\\) from `));
  assert.match(events[7], new RegExp(`^Regenerated key “nightly backup” \\(${hint(second)}\\) from .*; the old secret stopped at once$`));
  // The authorizer told Ada of the key's first address when the key was
  // used (the 403 above): after its creation, before its regeneration.
  assert.match(events[8], new RegExp(`^Key “nightly backup” \\(${hint(first)}\\) was used from a new address, (127\\.0\\.0\\.1|::1)$`));
  assert.match(events[9], new RegExp(`^Created read-only key “nightly backup” \\(${hint(first)}\\) from `));
  for (let i = 0; i < 10; i++) {
    assert.match(events[10 + i], new RegExp(`^Created read-only key “script ${scripts - i}” \\(${hint(made[scripts - 1 - i].key)}\\) from `), 'the scripts\' keys, newest first');
  }
  const more = ada.getByRole('button', { name: 'More events' });
  assert.ok(await more.isVisible(), 'More events, while there are more');
  const times = await list.locator('time').evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime'))));
  assert.ok(times.every((t, i) => i === 0 || t <= times[i - 1]), 'newest first');

  step('the next page with the keyboard alone');
  await more.focus();
  await ada.keyboard.press('Enter');
  await ada.getByRole('status').getByText('3 more events loaded.').waitFor();
  events = await shown(ada);
  assert.equal(events.length, 23);
  assert.match(events[20], new RegExp(`^Created read-only key “script 2” \\(${hint(made[1].key)}\\) from `));
  assert.match(events[21], new RegExp(`^Created read-only key “script 1” \\(${hint(made[0].key)}\\) from `));
  assert.match(events[22], new RegExp(`^Signed in with ${host.replace('.', '\\.')} from .* \\(${agent}\\)$`), 'Ada\'s own sign-in, the oldest');
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), events[20], 'reading goes on at the first new event');
  assert.ok(await more.isHidden(), 'no More events at the end');
  assert.equal(events.filter((e) => e.startsWith('Signed in')).length, 2, 'Rex\'s sign-in is not in Ada\'s log');

  step('no secret on the page, in its storage, or in the log\'s answers');
  const page = await ada.content();
  const answer = await ada.evaluate(async () => (await fetch('/api/security-log?limit=100')).text());
  for (const s of secrets) {
    assert.ok(!page.includes(s), 'a secret is on the page');
    assert.ok(!answer.includes(s), 'a secret is in the security log\'s answer');
  }
  assert.ok(!/lk_(test|live)_[0-9A-Za-z]{20,}/.test(page + answer), 'nothing shaped like a key');
  await assertClean(ada, secrets, 'the security log');

  step('Rex\'s log has his sign-in, and none of Ada\'s events');
  await rex.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security log' }).click();
  await rex.getByRole('heading', { name: 'Security log', level: 1 }).waitFor();
  const rexEvents = await shown(rex);
  assert.equal(rexEvents.length, 1, 'one event');
  assert.match(rexEvents[0], /^Signed in with /);
  await assertClean(rex, secrets, 'Rex\'s security log', [401, 404]);

  if (shots) {
    step('screenshots');
    await ada.screenshot({ path: join(shots, 'securitylog-desktop.png'), fullPage: true });
    const narrow = await openPage(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    await narrow.context().addCookies((await ada.context().cookies()));
    await narrow.goto('/security');
    await narrow.getByRole('heading', { name: 'Security log', level: 1 }).waitFor();
    await narrow.locator('ol.events > li').first().waitFor();
    await narrow.screenshot({ path: join(shots, 'securitylog-mobile.png') });
    await narrow.getByRole('button', { name: 'More events' }).scrollIntoViewIfNeeded();
    await narrow.screenshot({ path: join(shots, 'securitylog-mobile-end.png') });
    await narrow.context().close();
  }

  step('the empty state and the error state');
  await ada.route('**/api/security-log*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"events":[]}' }));
  await ada.reload();
  await ada.getByRole('heading', { name: 'Security log', level: 1 }).waitFor();
  await ada.getByText('Nothing has happened to your account yet that the log keeps.').waitFor();
  await ada.unroute('**/api/security-log*');
  await ada.route('**/api/security-log*', (route) => route.fulfill({ status: 503, headers: { 'Retry-After': '5' }, contentType: 'application/json', body: '{"error":"unavailable","message":"try again"}' }));
  await ada.reload();
  await ada.getByRole('alert').getByText('Could not load the security log. Latchkey is busy. Try again in 5 seconds.').waitFor();
  assert.ok(await ada.getByText('Nothing has happened to your account yet').isHidden(), 'an error is not an empty log');
  await ada.unroute('**/api/security-log*');
  await assertClean(ada, secrets, 'the empty and error states', [401, 503]);

  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  failed(err);
} finally {
  await browser.close();
}
