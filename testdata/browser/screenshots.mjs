// Saves a screenshot of every view of the console, at desktop width and at
// 375 px, in the light color scheme, and at desktop width in the dark one,
// into SCREENSHOTS (a folder). `make screenshots` runs it against a fresh
// local server (internal/devserver's TestScreenshots).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, openPage, signIn, assertClean } from './lib.mjs';

const dir = process.env.SCREENSHOTS;
if (!dir) {
  console.error('SCREENSHOTS is not set');
  process.exit(2);
}
await mkdir(dir, { recursive: true });

const looks = [
  { name: 'desktop', viewport: { width: 1280, height: 860 }, colorScheme: 'light' },
  { name: 'mobile', viewport: { width: 375, height: 812 }, colorScheme: 'light', isMobile: true, hasTouch: true },
  { name: 'dark', viewport: { width: 1280, height: 860 }, colorScheme: 'dark' },
];

const browser = await launch();
const saved = [];
try {
  for (const look of looks) {
    const { name: lookName, ...options } = look;
    const shot = async (page, view) => {
      const file = join(dir, `${view}-${lookName}.png`);
      await page.screenshot({ path: file, fullPage: true });
      saved.push(file);
    };
    const page = await openPage(browser, options);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Published posts' }).waitFor();
    await shot(page, 'signed-out');

    await page.goto('/api/auth/callback?error=access_denied&state=x');
    await shot(page, 'sign-in-cancelled');

    await signIn(page, 'Ada Author', '/keys');
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByLabel('Label').fill('nightly backup');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Secret key').waitFor();
    await shot(page, 'key-created');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByLabel('Label').fill('deploy script');
    await page.getByRole('radio', { name: 'Read and write' }).check();
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await shot(page, 'keys');
    await page.getByRole('row', { name: /nightly backup/ }).getByRole('button', { name: 'Revoke' }).click();
    await shot(page, 'key-revoke');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    for (const [view, path, heading] of [
      ['account', '/account', 'Account'],
      ['sessions', '/sessions', 'Sessions'],
      ['my-posts', '/posts', 'My posts'],
      ['new-post', '/posts/new', 'New post'],
      ['not-found', '/no-such-page', 'Page not found'],
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await shot(page, view);
    }

    await page.goto('/posts/new');
    await page.getByLabel('Title').fill('Rotating keys without downtime');
    await page.getByLabel('Body').fill('Regenerate with a grace period, roll the new secret out, and the old one stops by itself.');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Edit post', level: 1 }).waitFor();
    await shot(page, 'edit-post');

    const editor = await openPage(browser, options);
    await signIn(editor, 'Eve Editor', '/review');
    await editor.getByRole('heading', { name: 'Review', level: 1 }).waitFor();
    await editor.getByRole('button', { name: 'Publish' }).first().waitFor();
    await shot(editor, 'review');
    await assertClean(page, [], `screenshots (${lookName})`, [400, 401]);
    await assertClean(editor, [], `screenshots (${lookName}, editor)`);
    // The next look starts from the same keys and posts.
    await page.evaluate(async () => {
      const { keys } = await (await fetch('/api/keys')).json();
      for (const k of keys) await fetch('/api/keys/' + k.id, { method: 'DELETE' });
      const { posts } = await (await fetch('/api/posts?author=me')).json();
      for (const p of posts) await fetch('/api/posts/' + p.id, { method: 'DELETE' });
    });
    await page.context().close();
    await editor.context().close();
  }
  console.log(JSON.stringify({ saved }));
} catch (err) {
  console.error(err.stack || String(err));
  process.exitCode = 1;
} finally {
  await browser.close();
}
