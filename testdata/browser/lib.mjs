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
 * storages, the cookies script can read, the URL and the history length.
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
