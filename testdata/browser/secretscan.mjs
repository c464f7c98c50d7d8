// A key found in public, end to end, as its owner sees it: Ada makes two
// keys in the console; GitHub's secret scanning (this script, signing with
// the test key the local server trusts: SCAN_KEY_ID, SCAN_PRIVATE_KEY)
// reports them; a forged report changes nothing; the real one revokes both
// within the request; the keys view shows each revoked, found in public at
// the place reported (a link only for an http(s) URL), with no Regenerate;
// the owner deletes one with the keyboard. internal/devserver's
// TestBrowserSecretScanning runs it against a local server whose key cache
// is off. With SCREENSHOT_DIR set it saves the keys view there
// (secretscan-*.png). Prints {"ok":true} or the failure.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base, launch, openPage, signIn, assertClean, withKey, failed } from './lib.mjs';

const keyID = process.env.SCAN_KEY_ID;
const privateKey = process.env.SCAN_PRIVATE_KEY;
if (!keyID || !privateKey) {
  console.error('SCAN_KEY_ID and SCAN_PRIVATE_KEY are not set');
  process.exit(2);
}
const shots = process.env.SCREENSHOT_DIR;
const step = (name) => process.stderr.write(`· ${name}\n`);
const secrets = [];

/** POSTs a report as GitHub does: the body signed (ECDSA P-256, SHA-256, DER, base64). */
async function report(matches, key = privateKey) {
  const body = JSON.stringify(matches);
  const signature = sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64');
  const res = await fetch(base + '/api/public/secret-scanning', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', 'Github-Public-Key-Identifier': keyID, 'Github-Public-Key-Signature': signature },
  });
  return { status: res.status, body: await res.json() };
}

/** Creates a key in the console and returns its secret from the dialog. */
async function createKey(page, label) {
  await page.getByLabel('Label').fill(label);
  await page.getByRole('button', { name: 'Create API key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Your new API key' });
  const secret = await dialog.getByLabel('Secret key').inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForFunction(() => !document.querySelector('dialog'));
  return secret;
}

const leakURL = 'https://github.com/ada/deploy/blob/4f2a9c1/.env';
const browser = await launch();
try {
  step('Ada makes two keys; both work');
  const ada = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(ada, 'Ada Author', '/keys');
  await ada.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  const deployKey = await createKey(ada, 'deploy bot');
  const ciKey = await createKey(ada, 'ci runner');
  secrets.push(deployKey, ciKey);
  assert.equal(await withKey(deployKey, '/api/me'), 200);
  assert.equal(await withKey(ciKey, '/api/me'), 200);

  const matches = [
    { token: deployKey, type: 'latchkey_api_key', url: leakURL, source: 'content' },
    // Whatever the place, it is shown as text unless it is an http(s) URL.
    { token: ciKey, type: 'latchkey_api_key', url: 'javascript:alert(document.domain)', source: 'issue_comment' },
  ];

  step('a report signed by another key is refused and changes nothing');
  const { privateKey: forger } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forged = await report(matches, forger);
  assert.equal(forged.status, 401);
  assert.equal(forged.body.error, 'invalid_signature');
  assert.equal(await withKey(deployKey, '/api/me'), 200, 'a forged report revoked nothing');

  step("GitHub's report revokes both keys within the request");
  const answer = await report(matches);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.map((f) => f.label), ['true_positive', 'true_positive'], "the answer is GitHub's feedback");
  assert.equal(await withKey(deployKey, '/api/me'), 401, 'the reported key is refused at once (cache off)');
  assert.equal(await withKey(ciKey, '/api/me'), 401);

  step('the keys view shows each key revoked, where it was found, and no Regenerate');
  await ada.reload();
  const row = ada.getByRole('row', { name: /deploy bot/ });
  await row.getByText('Revoked', { exact: true }).waitFor();
  assert.match(await row.textContent(), /Found in public at https:\/\/github\.com\/ada\/deploy\/blob\/4f2a9c1\/\.env on /);
  const link = row.getByRole('link', { name: leakURL });
  assert.equal(await link.getAttribute('href'), leakURL);
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.match(await row.locator('time').last().getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/, 'the revocation has its date');
  assert.equal(await row.getByRole('button', { name: 'Regenerate' }).count(), 0, 'a revoked key has no Regenerate');
  await row.getByRole('button', { name: 'Delete' }).waitFor();
  const ciRow = ada.getByRole('row', { name: /ci runner/ });
  assert.match(await ciRow.textContent(), /Found in public at javascript:alert\(document\.domain\) on /);
  assert.equal(await ciRow.getByRole('link').count(), 0, 'a place that is not an http(s) URL is no link');
  assert.equal(await ada.locator('a[href^="javascript:"]').count(), 0);
  await assertClean(ada, secrets, 'the keys view after the report', [401]);
  if (shots) {
    await ada.screenshot({ path: join(shots, 'secretscan-keys-desktop.png'), fullPage: true });
    await ada.setViewportSize({ width: 375, height: 812 });
    await ada.screenshot({ path: join(shots, 'secretscan-keys-mobile.png'), fullPage: true });
    await ada.setViewportSize({ width: 1280, height: 900 });
  }

  step('axe finds nothing wrong with the view (WCAG 2.1 A and AA)');
  const audit = await openPage(browser, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await signIn(audit, 'Ada Author', '/keys');
  await audit.getByRole('row', { name: /deploy bot/ }).getByText('Revoked', { exact: true }).waitFor();
  await audit.addScriptTag({ content: await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') });
  const result = await audit.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await audit.context().close();

  step('the owner deletes a revoked key with the keyboard alone');
  await row.getByRole('button', { name: 'Delete' }).focus();
  await ada.keyboard.press('Enter');
  const confirm = ada.getByRole('dialog', { name: 'Delete API key?' });
  assert.match(await confirm.textContent(), /“deploy bot”/, 'the confirmation names the key');
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Cancel', 'a destructive confirmation starts on Cancel');
  await ada.keyboard.press('Shift+Tab'); // from Cancel to Delete
  await ada.keyboard.press('Enter');
  await row.waitFor({ state: 'detached' });
  await ada.getByRole('status').getByText('Key “deploy bot” deleted.').waitFor();
  assert.equal(await ada.evaluate(() => document.activeElement?.textContent), 'Your keys', 'focus went to the list');
  await ciRow.getByText('Revoked', { exact: true }).waitFor();
  await assertClean(ada, secrets, 'after deleting the revoked key', [401]);

  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  failed(err);
} finally {
  await browser.close();
}
