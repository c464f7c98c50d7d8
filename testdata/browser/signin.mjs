// Signs in to a running Latchkey through its web page in headless Chromium,
// the way a person does: click "Sign in", pick a user on the development
// provider's page, land back on the app, use the session, sign out. Run by
// internal/devserver's TestBrowserSignIn with LATCHKEY_URL set; prints one
// JSON line of what it saw and exits non-zero on any failure.
import { chromium } from 'playwright-core';

const base = process.env.LATCHKEY_URL;
if (!base) {
  console.error('LATCHKEY_URL is not set');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const seen = {};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(base + '/');
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  seen.signedOutFirst = true;

  // Through the provider: the app's login → the provider's picker → the
  // callback → back to the app, a cross-site-style redirect chain.
  await page.click('#sign-in');
  await page.getByRole('button', { name: /Ada Author/ }).click();
  await page.waitForURL(base + '/');
  // The page loaded without needing the cookie; its fetch('/api/me') sees it.
  await page.locator('#who').waitFor({ state: 'visible' });
  seen.who = await page.locator('#who').textContent();

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === '__Host-latchkey_session');
  seen.cookie = session && {
    httpOnly: session.httpOnly, secure: session.secure, sameSite: session.sameSite,
    path: session.path, hostOnly: !session.domain.startsWith('.'),
  };
  seen.scriptCanReadCookie = await page.evaluate(() => document.cookie.includes('latchkey_session'));

  // A same-origin write from the page: the browser adds Origin itself.
  seen.createKey = await page.evaluate(async () => {
    const res = await fetch('/api/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ label: 'from the browser', permissions: ['read'] }) });
    return res.status;
  });

  await page.click('#sign-out');
  await page.waitForURL(base + '/');
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  seen.meAfterSignOut = await page.evaluate(async () => (await fetch('/api/me')).status);
  console.log(JSON.stringify(seen));
} catch (err) {
  console.log(JSON.stringify(seen));
  console.error(err.stack || String(err));
  process.exitCode = 1;
} finally {
  await browser.close();
}
