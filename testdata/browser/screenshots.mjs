// Saves a screenshot of every view of the console, at desktop width and at
// 375 px in the light color scheme, and at desktop width in the dark one,
// into SCREENSHOTS (a folder). `make screenshots` runs it against a fresh
// local server (internal/devserver's TestScreenshots).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, looks, tour, failed } from './lib.mjs';

const dir = process.env.SCREENSHOTS;
if (!dir) {
  console.error('SCREENSHOTS is not set');
  process.exit(2);
}
await mkdir(dir, { recursive: true });

const browser = await launch();
const saved = [];
try {
  for (const { name, ...options } of looks) {
    await tour(browser, options, async (page, view) => {
      const file = join(dir, `${view}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      saved.push(file);
    });
  }
  console.log(JSON.stringify({ saved }));
} catch (err) {
  failed(err);
} finally {
  await browser.close();
}
