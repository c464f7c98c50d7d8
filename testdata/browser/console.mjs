// Drives the Latchkey console in headless Chromium the way a person does:
// clicks and keys on visible, named controls; sign-in through the
// development provider's page. internal/devserver's TestBrowserConsole runs
// it against a fresh local server whose key cache is off. It prints
// {"ok":true} and exits 0, or prints the failure and exits non-zero.
//
// After each flow, assertClean checks that no secret is in localStorage,
// sessionStorage, a cookie script can read, the URL or the console, and
// that the console printed no error.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base, launch, openPage, signIn, assertClean, withKey, failed } from './lib.mjs';

const secrets = [];
const step = (name) => process.stderr.write(`· ${name}\n`);

/** Every control on the page has an accessible name; every field a label. */
async function assertNamed(page, where) {
  const unnamed = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, a[href], input, select, textarea')) {
      if (el.type === 'hidden' || el.closest('[hidden]')) continue;
      const labelled = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      const named = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) ? labelled : (el.textContent.trim() || labelled);
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
  assert.deepEqual(unnamed, [], `${where}: controls without an accessible name`);
}

/** Reads the secret from the dialog that shows it, and checks the dialog. */
async function readSecretDialog(page, title) {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  const field = dialog.getByLabel('Secret key');
  const secret = await field.inputValue();
  assert.match(secret, /^lk_test_[0-9A-Za-z]{49}$/, 'the dialog shows a test key');
  assert.equal(await field.getAttribute('autocomplete'), 'off', 'the secret field has autocomplete="off"');
  assert.ok(await dialog.getByText('You will not see this key again').isVisible(), 'the dialog warns that the key is shown once');
  const text = await dialog.textContent();
  assert.match(text, /key_[a-z0-9]{26}/, 'the dialog names the key id');
  const curl = await dialog.locator('pre').textContent();
  assert.equal(curl, `curl -H "Authorization: Bearer $LATCHKEY_API_KEY" ${base}/api/me`, 'a ready-to-run curl line that reads the key from the environment');
  assert.ok(await page.evaluate(() => !!document.activeElement?.closest('dialog')), 'focus moved into the dialog');
  return { dialog, secret };
}

/**
 * Creates a key labelled label, the form's other fields as they are, reads
 * its secret from the dialog (keeping it in secrets) and closes the dialog.
 */
async function createKey(page, label) {
  await page.getByLabel('Label').fill(label);
  await page.getByRole('button', { name: 'Create API key' }).click();
  const { dialog, secret } = await readSecretDialog(page, 'Your new API key');
  secrets.push(secret);
  await closeSecretDialog(page, dialog, secret);
  return secret;
}

/** Closes a secret dialog with its button, and checks the secret left the page. */
async function closeSecretDialog(page, dialog, secret) {
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForFunction(() => !document.querySelector('dialog'));
  const left = await page.evaluate((s) => {
    const holders = [...document.querySelectorAll('input, textarea')].filter((i) => i.value.includes(s));
    if (holders.length) return 'a field: ' + holders.map((i) => i.outerHTML).join('\n');
    const html = document.documentElement.outerHTML;
    const at = html.indexOf(s);
    return at >= 0 ? 'the markup: ' + html.slice(Math.max(0, at - 200), at + 80).replace(s, '<SECRET>') : false;
  }, secret);
  assert.equal(left, false, 'the secret is gone from the page once its dialog is closed');
}

const browser = await launch();
try {
  // ── Sign in ────────────────────────────────────────────────────────
  step('signed out: published posts and a Sign in button');
  const ada = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  await ada.goto('/keys');
  await ada.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  await ada.goto('/');
  await ada.getByRole('heading', { name: 'Published posts', level: 1 }).waitFor();
  await ada.getByRole('heading', { name: 'Welcome to Latchkey' }).waitFor();
  await assertNamed(ada, 'signed out');

  step('a module that does not load: an alert with Reload, not "Loading…" for ever');
  for (const [how, answer] of [
    ['not loaded', (route) => route.abort()],
    // After a deploy, a new view with an old cached ui.js that lacks what it imports.
    ['mismatched', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: "import { notInThisVersion } from '../ui.js';\nexport const keysView = notInThisVersion;\n" })],
  ]) {
    const broken = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    await broken.route('**/views/keys.js', answer);
    await broken.goto('/');
    const failure = broken.getByRole('alert');
    await failure.getByText('The Latchkey console could not start').waitFor();
    await broken.getByRole('heading', { name: 'Could not load the page', level: 1 }).waitFor();
    assert.equal(await broken.getByText('Loading…').count(), 0, `${how}: "Loading…" is gone`);
    await broken.unroute('**/views/keys.js');
    await failure.getByRole('button', { name: 'Reload' }).focus();
    await broken.keyboard.press('Enter');
    await broken.getByRole('heading', { name: 'Published posts', level: 1 }).waitFor();
    assert.equal(await broken.getByRole('alert').count(), 0, `${how}: after Reload, the page works`);
    await broken.context().close();
  }

  step('sign in through the provider and come back to the view');
  await signIn(ada, 'Ada Author', '/keys');
  assert.equal(new URL(ada.url()).pathname, '/keys', 'sign-in came back to the view it started from');
  await ada.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  const cookie = (await ada.context().cookies()).find((c) => c.name === '__Host-latchkey_session');
  assert.ok(cookie, 'a session cookie');
  assert.deepEqual({ httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite, path: cookie.path, hostOnly: !cookie.domain.startsWith('.') },
    { httpOnly: true, secure: true, sameSite: 'Strict', path: '/', hostOnly: true }, 'the session cookie as the browser keeps it');
  secrets.push(cookie.value);
  await ada.getByRole('link', { name: 'Review' }).waitFor({ state: 'detached' });
  await assertNamed(ada, 'API keys');
  await assertClean(ada, secrets, 'after signing in');

  // ── API keys ───────────────────────────────────────────────────────
  step('create a read-only key and read it once from the dialog');
  assert.equal(await ada.getByLabel('Expires').inputValue(), '90', 'keys expire in 90 days by default');
  assert.ok(await ada.getByRole('radio', { name: /^Read:/ }).isChecked(), 'read-only by default');
  await ada.getByLabel('Label').fill('ci read-only');
  await ada.getByRole('button', { name: 'Create API key' }).click();
  let { dialog, secret: readKey } = await readSecretDialog(ada, 'Your new API key');
  secrets.push(readKey);
  // Enter in the field submits nothing: the dialog, and the secret, stay.
  await dialog.getByLabel('Secret key').focus();
  await ada.keyboard.press('Enter');
  await ada.waitForTimeout(300);
  assert.ok(await dialog.isVisible(), 'Enter in the secret field leaves the dialog open');
  assert.equal(await dialog.getByLabel('Secret key').inputValue(), readKey, 'and the secret in it');
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await dialog.getByText('Copied.').waitFor();
  assert.equal(await ada.evaluate(() => navigator.clipboard.readText()), readKey, 'Copy put the key on the clipboard');
  await ada.evaluate(() => navigator.clipboard.writeText(''));
  await closeSecretDialog(ada, dialog, readKey);
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Create API key', 'focus went back to the button that opened the dialog');
  const row = ada.getByRole('row', { name: /ci read-only/ });
  assert.match(await row.textContent(), /Read.*Never.*Active/s, 'the list shows the key: read, never used, active');
  assert.match(await ada.getByText(/A revoked key/).textContent(), /stops working at once/, 'the line under the list, with the cache off');
  await assertClean(ada, secrets, 'after creating a key');

  step('use the key from a script: read 200, write 403');
  assert.equal(await withKey(readKey, '/api/me'), 200);
  assert.equal(await withKey(readKey, '/api/posts', { method: 'POST', body: JSON.stringify({ title: 't', body: 'b' }) }), 403);

  step('regenerate with a one-hour grace: both secrets work');
  await row.getByRole('button', { name: 'Regenerate' }).click();
  const regen = ada.getByRole('dialog', { name: 'Regenerate “ci read-only”?' });
  await regen.getByRole('radio', { name: '1 hour' }).check();
  await regen.getByRole('button', { name: 'Regenerate' }).click();
  let newKey;
  ({ dialog, secret: newKey } = await readSecretDialog(ada, 'New secret for “ci read-only”'));
  secrets.push(newKey);
  assert.notEqual(newKey, readKey);
  await closeSecretDialog(ada, dialog, newKey);
  await row.getByText('In rotation grace').waitFor();
  assert.equal(await withKey(readKey, '/api/me'), 200, 'the old secret works during the grace');
  assert.equal(await withKey(newKey, '/api/me'), 200, 'the new secret works');
  await assertClean(ada, secrets, 'after regenerating');

  step('revoke it, after a confirmation that names it: both secrets 401');
  await row.getByRole('button', { name: 'Revoke' }).click();
  const confirm = ada.getByRole('dialog', { name: 'Revoke API key?' });
  assert.match(await confirm.textContent(), /“ci read-only”/, 'the confirmation names the key');
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Cancel', 'a destructive confirmation starts on Cancel');
  await confirm.getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  await ada.getByRole('status').getByText('Key “ci read-only” revoked.').waitFor();
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Your keys', 'focus went to the list, not to the page start');
  assert.equal(await withKey(newKey, '/api/me'), 401);
  assert.equal(await withKey(readKey, '/api/me'), 401);
  await assertClean(ada, secrets, 'after revoking');

  step('the keyboard alone: create a key, dismiss with Escape, revoke it');
  await ada.getByLabel('Label').focus();
  await ada.keyboard.type('keyboard only');
  await ada.keyboard.press('Tab'); // the permission radios
  await ada.keyboard.press('ArrowDown'); // read and write
  await ada.keyboard.press('Tab'); // expires
  await ada.keyboard.press('Tab'); // allowed addresses (left empty)
  await ada.keyboard.press('Tab'); // create
  await ada.keyboard.press('Enter');
  ({ dialog } = await readSecretDialog(ada, 'Your new API key'));
  const kbKey = await dialog.getByLabel('Secret key').inputValue();
  secrets.push(kbKey);
  await ada.keyboard.press('Escape');
  await ada.waitForFunction(() => !document.querySelector('dialog'));
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Create API key', 'Escape gave focus back');
  const kbRow = ada.getByRole('row', { name: /keyboard only/ });
  assert.match(await kbRow.textContent(), /Read and write/);
  // Regenerating with no grace (the default) stops the secret at once, so
  // the dialog starts on Cancel: Enter, Enter changes nothing.
  const regenDialog = ada.getByRole('dialog', { name: 'Regenerate “keyboard only”?' });
  await kbRow.getByRole('button', { name: 'Regenerate' }).focus();
  await ada.keyboard.press('Enter');
  await regenDialog.waitFor();
  await ada.keyboard.press('Enter');
  await regenDialog.waitFor({ state: 'detached' });
  await ada.waitForTimeout(300);
  assert.equal(await ada.getByRole('dialog').count(), 0, 'no new secret shown');
  assert.equal(await withKey(kbKey, '/api/me'), 200, 'the secret still works');
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Regenerate', 'focus went back to Regenerate');
  // Nor does Enter on the grace's radio buttons regenerate it.
  await ada.keyboard.press('Enter');
  await regenDialog.waitFor();
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the Regenerate dialog starts on Cancel');
  await ada.keyboard.press('Shift+Tab'); // to Regenerate
  await ada.keyboard.press('Shift+Tab'); // to the grace's checked radio
  assert.equal(await ada.evaluate(() => document.activeElement?.labels?.[0]?.textContent), 'No time: it stops now');
  await ada.keyboard.press('Enter');
  await ada.waitForTimeout(300);
  assert.ok(await regenDialog.isVisible(), 'Enter on a radio button leaves the dialog open');
  await ada.keyboard.press('Escape');
  await regenDialog.waitFor({ state: 'detached' });
  assert.equal(await withKey(kbKey, '/api/me'), 200, 'the secret still works');
  await kbRow.getByRole('button', { name: 'Revoke' }).focus();
  await ada.keyboard.press('Enter');
  await ada.keyboard.press('Shift+Tab'); // from Cancel to Revoke
  await ada.keyboard.press('Enter');
  await kbRow.waitFor({ state: 'detached' });
  assert.equal(await withKey(kbKey, '/api/me'), 401);
  await assertClean(ada, secrets, 'after the keyboard flow');

  step('a stale sign-in: the API asks for a new one, and the page takes the person through it');
  let refused = false;
  await ada.route('**/api/keys', (route) => {
    if (route.request().method() === 'POST' && !refused) {
      refused = true; // as the API answers after 15 minutes (tested in Go: TestKeysNeedARecentSignIn)
      return route.fulfill({ status: 403, contentType: 'application/json', body: '{"error":"reauth_required","message":"sign in again"}' });
    }
    return route.continue();
  });
  await ada.getByLabel('Label').fill('after reauth');
  await ada.getByRole('button', { name: 'Create API key' }).click();
  await ada.getByRole('alert').getByText(/needs a sign-in within the last 15 minutes/).waitFor();
  const [reauthRequest] = await Promise.all([
    ada.waitForRequest((r) => new URL(r.url()).pathname === '/api/auth/login'),
    ada.getByRole('alert').getByRole('link', { name: 'Sign in again' }).click(),
  ]);
  assert.equal(new URL(reauthRequest.url()).searchParams.get('reauth'), '1', 'the sign-in asks the provider for a fresh one');
  await ada.getByRole('button', { name: /Ada Author/ }).click();
  await ada.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  await ada.unroute('**/api/keys');
  const reauthKey = await createKey(ada, 'after reauth');
  await assertClean(ada, secrets, 'after signing in again', [401, 403]);

  step('when the list fails to reload after creating a key, the secret is still shown');
  await ada.route('**/api/keys', (route) => (route.request().method() === 'GET'
    ? route.fulfill({ status: 503, headers: { 'Retry-After': '60' }, contentType: 'application/json', body: '{"error":"unavailable","message":"try again"}' })
    : route.continue()));
  const downKey = await createKey(ada, 'list down');
  await ada.getByRole('alert').getByText(/The list could not be refreshed/).waitFor();
  await ada.unroute('**/api/keys');
  assert.equal(await withKey(downKey, '/api/me'), 200, 'the key shown is the key made');
  await assertClean(ada, secrets, 'after a failed reload', [401, 503]);

  // ── Sessions ───────────────────────────────────────────────────────
  step('end the session of another device: its cookie is refused');
  const phone = await openPage(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  await signIn(phone, 'Ada Author');
  await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
  await ada.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  const rows = ada.getByRole('row').filter({ has: ada.getByRole('cell') });
  assert.equal(await rows.count(), 2, 'two sessions listed');
  await rows.filter({ hasText: 'This device' }).waitFor();
  await assertNamed(ada, 'sessions');
  await rows.filter({ hasNotText: 'This device' }).getByRole('button', { name: 'End session' }).click();
  await ada.getByRole('status').getByText(/ended/).waitFor();
  assert.equal(await rows.count(), 1, 'one session left');
  assert.equal(await ada.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent), 'H1 Sessions', 'focus went to the heading');
  assert.equal(await phone.evaluate(async () => (await fetch('/api/me')).status), 401, "the ended session's cookie is refused");
  await phone.reload();
  await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
  await assertClean(ada, secrets, 'after ending a session');
  await assertClean(phone, secrets, 'the ended device');

  // ── Posts ──────────────────────────────────────────────────────────
  step('as the author: write a draft and edit it');
  await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My posts' }).click();
  await ada.getByRole('heading', { name: 'My posts', level: 1 }).waitFor();
  await ada.getByRole('link', { name: 'New post' }).click();
  await ada.getByRole('heading', { name: 'New post', level: 1 }).waitFor();
  await assertNamed(ada, 'new post');
  await ada.getByLabel('Title').fill('Keys for robots');
  await ada.getByLabel('Body').fill('First words.');
  await ada.getByRole('button', { name: 'Save draft' }).click();
  await ada.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
  await ada.getByRole('status').getByText('Draft saved.').waitFor();
  const postPath = new URL(ada.url()).pathname;
  assert.match(postPath, /^\/posts\/post_[a-z0-9]+$/, 'the draft has its own URL');
  assert.equal(await ada.getByRole('button', { name: 'Publish' }).count(), 0, 'an author is not offered Publish');
  await ada.getByRole('button', { name: 'Delete' }).waitFor();
  await ada.getByLabel('Body').fill('Second words.');
  await ada.getByRole('button', { name: 'Save' }).click();
  await ada.getByRole('status').getByText('Saved.').waitFor();

  step('a deep link works on reload');
  await ada.reload();
  await ada.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
  assert.equal(await ada.getByLabel('Body').inputValue(), 'Second words.');

  step('a concurrent edit: 409 in words, and the typed text survives');
  const otherTab = await ada.context().newPage();
  await otherTab.goto(postPath);
  await otherTab.getByLabel('Title').fill('Keys for robots, edited elsewhere');
  await otherTab.getByRole('button', { name: 'Save' }).click();
  await otherTab.getByRole('status').getByText('Saved.').waitFor();
  await otherTab.close();
  await ada.getByLabel('Body').fill('My words, typed while someone else saved.');
  await ada.getByRole('button', { name: 'Save' }).click();
  const alert = ada.getByRole('alert');
  await alert.getByText('This post changed since you opened it.').waitFor();
  // The session ends before the person loads the latest version: the page
  // stays, with the text, and offers sign-in in a new tab.
  const postAPI = '**/api' + postPath;
  await ada.route(postAPI, (route) => (route.request().method() === 'GET'
    ? route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":"unauthenticated","message":"sign in"}' })
    : route.continue()));
  await alert.getByRole('button', { name: 'Load the latest version' }).click();
  await alert.getByText('Your session has ended, so the latest version was not loaded. Your text is still here.').waitFor();
  assert.equal(new URL(ada.url()).pathname, postPath, 'the page stayed');
  assert.equal(await ada.getByLabel('Body').inputValue(), 'My words, typed while someone else saved.', 'the typed text is kept');
  await alert.getByRole('link', { name: 'Sign in again in a new tab' }).waitFor();
  assert.equal(await alert.getByRole('link', { name: 'Sign in again in a new tab' }).getAttribute('target'), '_blank');
  await ada.unroute(postAPI);
  await alert.getByRole('button', { name: 'Load the latest version' }).click();
  await ada.getByRole('region', { name: 'Latest saved version' }).getByText('Keys for robots, edited elsewhere').waitFor();
  assert.equal(await ada.getByLabel('Body').inputValue(), 'My words, typed while someone else saved.', 'the typed text is kept');
  await ada.getByRole('button', { name: 'Save' }).click();
  await ada.getByRole('status').getByText('Saved.').waitFor();
  const saved = await ada.evaluate(async (p) => (await fetch('/api' + p)).json(), postPath);
  assert.equal(saved.body, 'My words, typed while someone else saved.');
  assert.equal(saved.title, 'Keys for robots', 'the title in the form, not the other edit, was saved');
  assert.equal(saved.version, 4);
  await assertClean(ada, secrets, 'after the conflict');

  step('as the editor: publish it from Review');
  const eve = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(eve, 'Eve Editor', '/review');
  await eve.getByRole('heading', { name: 'Review', level: 1 }).waitFor();
  await assertNamed(eve, 'review');
  const draft = eve.getByRole('listitem').filter({ hasText: 'Keys for robots' });
  await draft.getByRole('button', { name: 'Publish' }).click();
  await eve.getByRole('dialog', { name: 'Publish this post?' }).getByRole('button', { name: 'Publish' }).click();
  await draft.waitFor({ state: 'detached' });
  await eve.getByRole('status').getByText('“Keys for robots” is published.').waitFor();
  assert.equal(await eve.evaluate(() => document.activeElement?.closest('li') !== null && document.activeElement?.tagName), 'A', 'focus went to the next draft');
  const pub = await (await fetch(base + '/api/public/posts')).json();
  assert.ok(pub.posts.some((p) => p.title === 'Keys for robots'), 'the post is public');
  await assertClean(eve, secrets, 'after publishing');

  step('publishing from the editor with unsaved changes is refused in words');
  await eve.getByRole('link', { name: "Editor's notes" }).click();
  await eve.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
  await eve.getByLabel('Body').fill('Not saved yet.');
  await eve.getByRole('button', { name: 'Publish' }).click();
  await eve.getByRole('alert').getByText('You have changes that are not saved. Save them first, then publish.').waitFor();
  assert.equal(await eve.getByRole('dialog').count(), 0, 'no confirmation: nothing is published');

  step('signed out, the published posts come ten at a time, with More posts, and a long one whole on request');
  await eve.evaluate(async () => {
    for (let i = 1; i <= 9; i++) {
      // Filler 9 is longer than a listing's 300-character excerpt.
      const body = i === 9 ? 'Many words. '.repeat(30) + 'The end.' : 'x';
      const res = await fetch('/api/posts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: `Filler ${i}`, body }) });
      const { id } = await res.json();
      await fetch(`/api/posts/${id}/publish`, { method: 'POST' });
    }
  });
  const reader = await openPage(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  await reader.goto('/');
  const articles = reader.getByRole('article');
  await reader.getByRole('heading', { name: 'Filler 9' }).waitFor();
  assert.equal(await articles.count(), 10, 'the first page holds ten posts');
  const long = articles.filter({ hasText: 'Filler 9' });
  assert.equal(await long.getByText('The end.').count(), 0, 'a long post is listed by its excerpt');
  await long.getByRole('button', { name: 'Read the whole post “Filler 9”' }).click();
  await long.getByText('The end.').waitFor();
  assert.equal(await long.getByRole('button').count(), 0, 'once the whole post is shown, its button is gone');
  assert.equal(await reader.evaluate(() => document.activeElement?.textContent?.endsWith('The end.')), true, 'focus moved to the whole text');
  await reader.getByRole('button', { name: 'More posts' }).click();
  await reader.getByRole('heading', { name: 'Welcome to Latchkey' }).waitFor();
  assert.equal(await articles.count(), 4 + 9, 'every published post, once');
  assert.equal(await reader.getByRole('button', { name: 'More posts' }).isVisible(), false, 'no More posts after the last page');
  assert.equal(await reader.evaluate(() => document.activeElement?.textContent), 'Who may edit this post?', 'focus moved to the first post of the new page');
  await assertClean(reader, secrets, 'paging while signed out');

  step("another author's published post is shown to read, not to edit");
  const filler = (await (await fetch(base + '/api/public/posts?limit=100')).json()).posts.find((p) => p.title === 'Filler 1');
  await ada.goto('/posts/' + filler.id);
  await ada.getByRole('heading', { name: 'Filler 1', level: 1 }).waitFor();
  await ada.getByText('Only its author and the editors may edit this post.').waitFor();
  assert.equal(await ada.getByRole('button', { name: /Save|Delete|Publish/ }).count(), 0, 'no button the author may not use');

  step('my posts: after a delete, More posts still moves focus to the first new post');
  await ada.evaluate(async () => {
    // 21 drafts, newest last: the first page (20) ends at Batch 2.
    for (let i = 1; i <= 21; i++) {
      const res = await fetch('/api/posts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: `Batch ${i}`, body: 'x' }) });
      if (res.status !== 201) throw new Error(`creating Batch ${i}: ${res.status}`);
    }
  });
  await ada.goto('/posts');
  await ada.getByRole('heading', { name: 'My posts', level: 1 }).waitFor();
  const mine = ada.locator('ul.items > li');
  await mine.filter({ hasText: 'Batch 2' }).first().waitFor();
  assert.equal(await mine.count(), 20, 'the first page holds twenty posts');
  assert.equal(await ada.getByRole('link', { name: 'Batch 1', exact: true }).count(), 0, 'Batch 1 is on the next page');
  const doomed = mine.filter({ hasText: 'Batch 21' });
  await doomed.getByRole('button', { name: 'Delete' }).click();
  await ada.getByRole('dialog', { name: 'Delete this post?' }).getByRole('button', { name: 'Delete' }).click();
  await doomed.waitFor({ state: 'detached' });
  await ada.getByRole('status').getByText('“Batch 21” deleted.').waitFor();
  const left = await mine.count();
  await ada.getByRole('button', { name: 'More posts' }).click();
  await ada.getByRole('link', { name: 'Batch 1', exact: true }).waitFor();
  assert.ok(await mine.count() > left, 'More posts added the next page');
  assert.deepEqual(await ada.evaluate(() => {
    const a = document.activeElement;
    return [a?.tagName, a?.textContent, [...document.querySelectorAll('ul.items > li')].indexOf(a?.closest('li'))];
  }), ['A', 'Batch 1', left], 'focus moved to the first post of the new page, not one past it');
  await assertClean(ada, secrets, 'after deleting and paging my posts');

  step('leaving a view before it loads: the next view shows nothing of it');
  await ada.route('**/api/keys', async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  const nav = ada.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'API keys' }).click();
  await nav.getByRole('link', { name: 'Sessions' }).click();
  await ada.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  await ada.waitForTimeout(1200);
  assert.equal(await ada.getByRole('alert').count(), 0, 'no error from the view left behind');
  assert.equal(await ada.getByRole('heading', { name: 'API keys' }).count(), 0, 'nothing of the view left behind');
  await ada.unroute('**/api/keys');

  step('when who is signed in cannot be read, the page says so and offers Retry, not Sign in');
  for (const [how, answer] of [
    ['unreachable', (route) => route.abort()],
    ['busy', (route) => route.fulfill({ status: 503, headers: { 'Retry-After': '60' }, contentType: 'application/json', body: '{"error":"unavailable","message":"try again"}' })],
  ]) {
    await ada.route('**/api/me', answer);
    await ada.goto('/keys');
    const down = ada.getByRole('alert');
    await down.waitFor();
    assert.match(await down.textContent(), how === 'busy' ? /Latchkey is busy/ : /could not be reached/, `${how}: the alert says why`);
    assert.equal(await ada.getByRole('link', { name: 'Sign in' }).count(), 0, `${how}: no Sign in for a person who may be signed in`);
    assert.equal(await ada.getByRole('heading', { name: 'Sign in' }).count(), 0, `${how}: no sign-in prompt`);
    await down.getByRole('button', { name: 'Retry' }).click();
    await down.getByRole('button', { name: 'Retry' }).waitFor();
    assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Retry', `${how}: a Retry that fails keeps focus on Retry`);
    await ada.unroute('**/api/me');
    await ada.keyboard.press('Enter');
    await ada.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    assert.equal(await ada.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent), 'H1 API keys', `${how}: Retry draws the view and focuses its heading`);
    assert.equal(await ada.getByRole('alert').count(), 0, `${how}: the alert is gone`);
    await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).waitFor();
  }
  // The browser's own line for the aborted request is expected.
  ada.seen.console = ada.seen.console.filter((m) => m.text !== 'Failed to load resource: net::ERR_FAILED');
  await assertClean(ada, secrets, 'after /api/me failed', [401, 503]);

  step('the skip link moves focus to the content');
  await ada.goto('/account');
  await ada.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
  await ada.keyboard.press('Tab');
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await ada.keyboard.press('Enter');
  assert.equal(await ada.evaluate(() => document.activeElement?.id), 'main', 'Enter on the skip link focuses the content');
  assert.equal(new URL(ada.url()).pathname, '/account');

  step("what the API refuses, the page says in words: another's draft, a page for editors");
  await ada.goto('/posts/post_editorsdrafteditorsdrafted');
  await ada.getByRole('alert').getByText('This post does not exist, or it is a draft that you may not see.').waitFor();
  await ada.goto('/review');
  await ada.getByText('This page is for people with the editor role').waitFor();
  await assertClean(ada, secrets, 'after refusals', [401, 404]);

  // ── Account ────────────────────────────────────────────────────────
  step('sign out everywhere, after confirming: every session ends');
  const laptop = await openPage(browser);
  await signIn(laptop, 'Ada Author', '/posts/new');
  await laptop.getByRole('heading', { name: 'New post', level: 1 }).waitFor();
  await laptop.getByLabel('Title').fill('Written while signed out elsewhere');
  await laptop.getByLabel('Body').fill('Every word of this must survive.');
  await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await ada.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
  assert.match(await ada.locator('dl').textContent(), /Ada Author.*ada@example\.com.*A browser session/s);
  await assertNamed(ada, 'account');
  assert.equal(await withKey(downKey, '/api/me'), 200, 'a key made earlier works before');
  await ada.getByRole('button', { name: 'Sign out everywhere' }).click();
  const everywhere = ada.getByRole('dialog', { name: 'Sign out everywhere?' });
  // Enter on the checkbox neither ticks it nor signs out everywhere.
  await ada.keyboard.press('Shift+Tab'); // from Cancel to Sign out everywhere
  await ada.keyboard.press('Shift+Tab'); // to the checkbox
  const revokeToo = everywhere.getByRole('checkbox', { name: 'Also revoke all my API keys' });
  assert.equal(await revokeToo.evaluate((el) => el === document.activeElement), true, 'Shift+Tab twice reaches the checkbox');
  await ada.keyboard.press('Enter');
  await ada.waitForTimeout(300);
  assert.ok(await everywhere.isVisible(), 'Enter on the checkbox leaves the dialog open');
  assert.equal(await ada.evaluate(async () => (await fetch('/api/me')).status), 200, 'and signs nobody out');
  await ada.keyboard.press('Space');
  assert.ok(await revokeToo.isChecked(), 'Space ticks it');
  await everywhere.getByRole('button', { name: 'Sign out everywhere' }).click();
  await ada.getByRole('heading', { name: 'Published posts', level: 1 }).waitFor();
  await ada.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
  assert.equal(await laptop.evaluate(async () => (await fetch('/api/me')).status), 401, 'the other device is signed out too');
  assert.equal(await withKey(downKey, '/api/me'), 401, 'the keys are revoked too, as asked');
  assert.equal(await withKey(reauthKey, '/api/me'), 401, 'every key');
  await assertClean(ada, secrets, 'after signing out everywhere');
  await assertClean(laptop, secrets, 'the other device after signing out everywhere');

  step('saving after the session ended keeps the text and offers sign-in in a new tab');
  await laptop.getByRole('button', { name: 'Save draft' }).click();
  await laptop.getByRole('alert').getByText('Your session has ended, and nothing was saved. Your text is still here.').waitFor();
  assert.equal(new URL(laptop.url()).pathname, '/posts/new', 'the page stayed');
  assert.equal(await laptop.getByLabel('Body').inputValue(), 'Every word of this must survive.');
  const [popup] = await Promise.all([
    laptop.context().waitForEvent('page'),
    laptop.getByRole('link', { name: 'Sign in again in a new tab' }).click(),
  ]);
  await popup.getByRole('button', { name: /Ada Author/ }).click();
  await popup.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
  await popup.close();
  await laptop.getByRole('button', { name: 'Save draft' }).click();
  await laptop.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
  assert.equal(await laptop.getByLabel('Title').inputValue(), 'Written while signed out elsewhere');
  await assertClean(laptop, secrets, 'after saving in a new session');

  step('sign out on one device: back to the signed-out page');
  await laptop.goto('/account');
  await laptop.getByRole('button', { name: 'Sign out', exact: true }).click();
  await laptop.waitForURL(base + '/');
  await laptop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
  await assertClean(laptop, secrets, 'after signing out');

  step('a sign-in cancelled at the provider ends on a page in words, not JSON');
  await laptop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).click();
  const [cancelled] = await Promise.all([
    laptop.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/callback'),
    laptop.getByRole('button', { name: 'Cancel' }).click(),
  ]);
  assert.equal(cancelled.status(), 400);
  await laptop.getByRole('heading', { name: 'Sign-in did not finish', level: 1 }).waitFor();
  await laptop.getByRole('alert').getByText('Sign-in was cancelled.').waitFor();
  await laptop.getByRole('link', { name: 'Back to Latchkey' }).click();
  await laptop.getByRole('heading', { name: 'Published posts', level: 1 }).waitFor();
  await assertClean(laptop, secrets, 'after a cancelled sign-in', [400, 401]);

  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  console.log(JSON.stringify({ ok: false }));
  failed(err);
  // What each page showed when it failed, for the person reading the log.
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-console-'));
  for (const [i, page] of browser.contexts().flatMap((c) => c.pages()).entries()) {
    const file = join(dir, `page-${i}.png`);
    await page.screenshot({ path: file, fullPage: true }).then(() => console.error('screenshot: ' + file + ' (' + page.url() + ')'), () => {});
  }
} finally {
  await browser.close();
}
