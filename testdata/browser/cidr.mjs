// Per-key allow-lists and usage in the console, as a person uses them
// (issue 14, items 1 and 3). internal/devserver's TestBrowserCidr runs it
// against a fresh local server whose key cache is off and whose authorizer
// writes a key's use every second (LATCHKEY_KEY_USE_INTERVAL=1s): make a
// key limited to 127.0.0.1 (the address the local server sees), use it from
// Node, limit it to 10.0.0.0/8 in the console (a mistyped prefix first,
// which the page explains by line), see it refused 403 ip_not_allowed, clear
// the list, use it again, and read its usage as a chart, a sentence and a
// table of days. Saves screenshots under SCREENSHOT_DIR when set. Prints
// {"ok":true} or the failure.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { base, launch, openPage, signIn, assertClean, withKey, looks, failed } from './lib.mjs';

const step = (name) => process.stderr.write(`· ${name}\n`);
const shots = process.env.SCREENSHOT_DIR;
const label = 'office only';

/** Calls the API with a key and returns the status and the JSON answer. */
async function call(key, path) {
  const res = await fetch(base + path, { headers: { Authorization: 'Bearer ' + key, Accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

/** The row under a key's row: its allowed addresses and usage. */
function detailsOf(page, name) {
  return page.getByRole('row', { name: new RegExp(name) }).locator('xpath=following-sibling::tr[1]');
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `cidr-${name}.png`), fullPage: true });
}

const browser = await launch();
const secrets = [];
try {
  const page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  step('sign in and make a key limited to 127.0.0.1');
  await signIn(page, 'Ada Author', '/keys');
  await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  await page.getByLabel('Label').fill(label);
  const field = page.getByLabel('Allowed addresses (optional)');
  assert.match(await field.getAttribute('aria-describedby') ? await page.locator('#' + await field.getAttribute('aria-describedby')).textContent() : '',
    /One IPv4 or IPv6 address or CIDR prefix per line/, 'the field says what it takes');
  await field.fill('127.0.0.1/32');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Your new API key' });
  const key = await dialog.getByLabel('Secret key').inputValue();
  secrets.push(key);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForFunction(() => !document.querySelector('dialog'));
  const details = detailsOf(page, label);
  await details.getByText('127.0.0.1/32').waitFor();
  assert.equal(await field.inputValue(), '', 'the form was reset');

  step('the key works from here');
  let allowed = 0;
  assert.equal((await call(key, '/api/me')).status, 200);
  allowed++;

  step('edit the list in the console: a mistyped prefix is explained by line, then 10.0.0.0/8');
  await details.getByRole('button', { name: 'Edit addresses' }).click();
  let edit = page.getByRole('dialog', { name: `Allowed addresses for “${label}”` });
  const list = edit.getByLabel('Allowed addresses', { exact: true });
  assert.equal(await list.inputValue(), '127.0.0.1/32', 'the dialog starts from the key’s list');
  assert.ok(await page.evaluate(() => document.activeElement?.tagName === 'TEXTAREA'), 'focus is in the list');
  await list.fill('\n10.1.2.3/8');
  await edit.getByRole('button', { name: 'Save' }).click();
  edit = page.getByRole('dialog', { name: `Allowed addresses for “${label}”` });
  await edit.getByRole('alert').getByText('Line 2: 10.1.2.3/8 has bits set past its length; the prefix is 10.0.0.0/8').waitFor();
  assert.equal(await edit.getByLabel('Allowed addresses', { exact: true }).inputValue(), '\n10.1.2.3/8', 'what was typed is kept');
  await shot(page, 'edit-error');
  await edit.getByLabel('Allowed addresses', { exact: true }).fill('10.0.0.0/8');
  await edit.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText(`Allowed addresses of “${label}” saved.`).waitFor();
  await details.getByText('10.0.0.0/8').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Edit addresses', 'focus went back to the key’s Edit addresses');

  step('the next request with the key is refused 403 ip_not_allowed');
  const refused = await call(key, '/api/me');
  assert.deepEqual([refused.status, refused.body.error], [403, 'ip_not_allowed']);
  assert.equal(refused.body.message, 'this API key may not be used from this address');

  step('clear the list with the keyboard: any address again');
  await details.getByRole('button', { name: 'Edit addresses' }).focus();
  await page.keyboard.press('Enter');
  edit = page.getByRole('dialog', { name: `Allowed addresses for “${label}”` });
  await edit.waitFor();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.press('Tab'); // Save
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText(`“${label}” now works from any address.`).waitFor();
  await details.getByText('Any address').waitFor();
  assert.equal((await call(key, '/api/me')).status, 200);
  allowed++;

  step('use it a few times, then once more after the batched write is due');
  for (let i = 0; i < 3; i++) {
    assert.equal(await withKey(key, '/api/me'), 200);
    allowed++;
  }
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(await withKey(key, '/api/me'), 200);
  allowed++;

  step('the usage chart shows every allowed request, with its words and a table of days');
  const sentence = new RegExp(`^${allowed} requests in the last 30 days, most on .+ \\(${allowed}\\)\\.$`);
  for (let tries = 0; ; tries++) {
    await page.reload();
    const caption = detailsOf(page, label).locator('figcaption');
    await caption.waitFor();
    if (sentence.test(await caption.textContent())) break;
    if (tries === 10) assert.match(await caption.textContent(), sentence);
    await new Promise((r) => setTimeout(r, 300));
  }
  const figure = detailsOf(page, label).getByRole('figure');
  assert.equal(await figure.locator('svg rect').count(), 30, 'a bar a day');
  assert.equal(await figure.locator('svg rect.zero').count(), 29, 'one day with requests');
  assert.equal(await figure.locator('svg').getAttribute('aria-hidden'), 'true', 'the bars are not read twice');
  assert.match(await figure.getAttribute('aria-labelledby') ? await figure.evaluate((f) => document.getElementById(f.getAttribute('aria-labelledby')).textContent) : '', sentence, 'the figure is named by its sentence');
  await shot(page, 'desktop');
  const disclosure = figure.getByText('Requests per day');
  await disclosure.focus();
  await page.keyboard.press('Enter');
  const days = figure.getByRole('table');
  await days.waitFor();
  assert.equal(await days.getByRole('row').count(), 31, 'a header and thirty days');
  const today = days.getByRole('row').last();
  assert.equal(await today.getByRole('cell').textContent(), String(allowed), 'today’s count in the table');
  await shot(page, 'usage-days');
  await page.setViewportSize({ width: 375, height: 812 });
  await shot(page, 'mobile');
  await assertClean(page, secrets, 'after the allow-list and usage flows', [400, 401]);

  step('axe finds nothing in the key’s addresses, chart, days and edit dialog, in every look');
  // axe is injected, which the content security policy would refuse: only
  // these contexts bypass it (as a11y.mjs does).
  const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const violations = [];
  for (const { name, ...options } of looks) {
    const look = await openPage(browser, { ...options, bypassCSP: true });
    await signIn(look, 'Ada Author', '/keys');
    const more = detailsOf(look, label);
    await more.getByRole('figure').getByText('Requests per day').click();
    await more.getByRole('table').waitFor();
    const check = async (where) => {
      await look.addScriptTag({ content: axeSource });
      const result = await look.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      }));
      for (const v of result.violations) violations.push({ look: name, where, rule: v.id, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) });
    };
    await check('keys with the days open');
    await more.getByRole('button', { name: 'Edit addresses' }).click();
    await look.getByRole('dialog').getByLabel('Allowed addresses', { exact: true }).fill('10.0.0.1/8');
    await look.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await look.getByRole('dialog').getByRole('alert').waitFor();
    await check('the edit dialog with an error');
    if (name === 'dark') await shot(look, 'dark-dialog');
    await look.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await look.context().close();
  }
  assert.deepEqual(violations, [], 'axe violations');
  console.log(JSON.stringify({ ok: true, allowed }));
} catch (err) {
  failed(err);
} finally {
  await browser.close();
}
