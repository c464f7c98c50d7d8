// Helpers the browser scripts share: start Debian's Chromium through
// playwright-core, sign in by clicking through the development provider's
// page (never by setting a cookie), and watch a page for console errors and
// for secrets in places they must never be.
import { chromium } from 'playwright-core';

export const base = process.env.LATCHKEY_URL;
if (!base) {
  console.error('LATCHKEY_URL is not set');
  process.exit(2);
}

/** Starts headless Chromium with the flags this machine needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Reports a script's failure: its stack, and a non-zero exit. */
export function failed(err) {
  console.error(err.stack || String(err));
  process.exitCode = 1;
}

/**
 * A new browser context (its own cookies: another device) and page, watched:
 * every console message and page error is kept in page.seen.
 * @param {import('playwright-core').Browser} browser
 * @param {object} [options] Context options (viewport, colorScheme, …).
 */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ baseURL: base, ...options });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.seen = { console: [], errors: [], failed: [] };
  page.on('response', (r) => { if (r.status() >= 400) page.seen.failed.push(r.status() + ' ' + r.request().method() + ' ' + new URL(r.url()).pathname); });
  page.on('console', (m) => page.seen.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => page.seen.errors.push(String(e)));
  return page;
}

/**
 * Signs in as one of the seeded users by clicking as a person does: the
 * page's Sign in, then the user's button on the provider's page; waits to be
 * back on the app, signed in.
 * @param {import('playwright-core').Page} page
 * @param {string} name The seeded user's name, e.g. "Ada Author".
 * @param {string} [path] Where to start.
 */
export async function signIn(page, name, path = '/') {
  await page.goto(path);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await page.waitForURL((u) => u.origin === new URL(base).origin && !u.pathname.startsWith('/api/') && !u.pathname.startsWith('/dev-idp'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).waitFor();
  const who = await page.locator('#nav .who').textContent();
  if (!who.includes(name)) throw new Error(`signed in as ${who}; want ${name}`);
}

/**
 * What a page's script can reach that must never hold a secret: both
 * storages, the cookies script can read, and the URL (which is what the
 * history keeps of each view).
 * @param {import('playwright-core').Page} page
 */
export function reachable(page) {
  return page.evaluate(() => {
    const dump = (s) => Object.keys(s).map((k) => k + '=' + s.getItem(k)).join('\n');
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie, url: location.href };
  });
}

/**
 * Fails if any place a script or a person's tools can read holds one of the
 * secrets, or if the page's console printed an error other than the
 * browser's own line for an answer the test expects (401 while signed out,
 * 409 for a forced conflict). Clears what it has seen.
 * @param {import('playwright-core').Page} page
 * @param {string[]} secrets
 * @param {string} when
 * @param {number[]} [expected] Statuses the flow caused on purpose.
 */
export async function assertClean(page, secrets, when, expected = [401, 409]) {
  const r = await reachable(page);
  for (const s of secrets.filter(Boolean)) {
    for (const [where, text] of Object.entries(r)) {
      if (text.includes(s)) throw new Error(`${when}: a secret is in ${where}`);
    }
    for (const m of page.seen.console) {
      if (m.text.includes(s)) throw new Error(`${when}: a secret was printed to the console`);
    }
  }
  if (r.cookie.includes('latchkey_session')) throw new Error(`${when}: script can read the session cookie`);
  const browserLine = new RegExp(`^Failed to load resource: the server responded with a status of (${expected.join('|')}) `);
  const errors = page.seen.console.filter((m) => m.type === 'error' && !browserLine.test(m.text));
  if (errors.length || page.seen.errors.length) {
    throw new Error(`${when}: console errors ${JSON.stringify(errors)} page errors ${JSON.stringify(page.seen.errors)}; answers ${JSON.stringify(page.seen.failed)}`);
  }
  page.seen.console.length = 0;
  page.seen.failed.length = 0;
}

/**
 * Calls the API from Node's fetch with an API key, as a script would.
 * @param {string} key
 * @param {string} path
 * @param {object} [init]
 */
export async function withKey(key, path, init = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { Authorization: 'Bearer ' + key, Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
  });
  await res.arrayBuffer();
  return res.status;
}

/** The looks every view is seen in: desktop, a 375 px phone, and dark. */
export const looks = [
  { name: 'desktop', viewport: { width: 1280, height: 860 }, colorScheme: 'light' },
  { name: 'mobile', viewport: { width: 375, height: 812 }, colorScheme: 'light', isMobile: true, hasTouch: true },
  { name: 'dark', viewport: { width: 1280, height: 860 }, colorScheme: 'dark' },
];

/**
 * Visits every view of the console in one look, as Ada (an author) and Eve
 * (an editor), and calls see(page, view) on each, dialogs open where a view
 * has one. Leaves no keys or posts of Ada's behind.
 * @param {import('playwright-core').Browser} browser
 * @param {object} options Context options of the look.
 * @param {(page: import('playwright-core').Page, view: string) => Promise<void>} see
 */
export async function tour(browser, options, see) {
  const page = await openPage(browser, options);
  await page.goto('/');
  await page.getByRole('heading', { name: 'Published posts' }).waitFor();
  await page.getByRole('heading', { name: 'Welcome to Latchkey' }).waitFor();
  await see(page, 'signed-out');

  await page.goto('/api/auth/callback?error=access_denied&state=x');
  await see(page, 'sign-in-cancelled');

  await signIn(page, 'Ada Author', '/keys');
  await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
  await page.getByLabel('Label').fill('nightly backup');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Secret key').waitFor();
  await see(page, 'key-created');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForFunction(() => !document.querySelector('dialog'));
  await page.getByLabel('Label').fill('deploy script');
  await page.getByRole('radio', { name: 'Read and write' }).check();
  await page.getByLabel('Expires').selectOption('30');
  await page.getByRole('button', { name: 'Create API key' }).click();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.waitForFunction(() => !document.querySelector('dialog'));
  await see(page, 'keys');
  await page.getByRole('row', { name: /nightly backup/ }).getByRole('button', { name: 'Regenerate' }).click();
  await see(page, 'key-regenerate');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('row', { name: /nightly backup/ }).getByRole('button', { name: 'Revoke' }).click();
  await see(page, 'key-revoke');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  for (const [view, path, heading] of [
    ['account', '/account', 'Account'],
    ['sessions', '/sessions', 'Sessions'],
    ['security-log', '/security', 'Security log'],
    ['my-posts', '/posts', 'My posts'],
    ['new-post', '/posts/new', 'New post'],
    ['not-found', '/no-such-page', 'Page not found'],
  ]) {
    await page.goto(path);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await see(page, view);
  }
  await page.goto('/posts/new');
  await page.getByLabel('Title').fill('Rotating keys without downtime');
  await page.getByLabel('Body').fill('Regenerate with a grace period, roll the new secret out, and the old one stops by itself.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
  await see(page, 'edit-post');
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await see(page, 'sign-out-everywhere');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  const editor = await openPage(browser, options);
  await signIn(editor, 'Eve Editor', '/review');
  await editor.getByRole('heading', { name: 'Review', level: 1 }).waitFor();
  await editor.getByRole('button', { name: 'Publish' }).first().waitFor();
  await see(editor, 'review');
  await assertClean(page, [], `tour (${JSON.stringify(options.viewport)})`, [400, 401]);
  await assertClean(editor, [], `tour, editor (${JSON.stringify(options.viewport)})`);

  // The next look starts from the same keys and posts: the tour's own go.
  await page.evaluate(async () => {
    const { keys } = await (await fetch('/api/keys')).json();
    for (const k of keys.filter((k) => ['nightly backup', 'deploy script'].includes(k.label))) {
      await fetch('/api/keys/' + k.id, { method: 'DELETE' });
    }
    const { posts } = await (await fetch('/api/posts?author=me&limit=100')).json();
    for (const p of posts.filter((p) => p.title === 'Rotating keys without downtime')) {
      await fetch('/api/posts/' + p.id, { method: 'DELETE' });
    }
  });
  await page.context().close();
  await editor.context().close();
}
