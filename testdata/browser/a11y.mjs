// Checks every view of the console, dialogs open, with axe-core (WCAG 2.1
// A and AA rules, color contrast included) in each look: desktop, a 375 px
// phone, and the dark color scheme. Prints {"ok":true} or every violation.
// axe is injected into the page, which the content security policy would
// refuse, so these contexts alone bypass it; every other test keeps it.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { launch, looks, tour, failed } from './lib.mjs';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const browser = await launch();
const violations = [];
let checked = 0;
try {
  for (const { name, ...options } of looks) {
    await tour(browser, { ...options, bypassCSP: true }, async (page, view) => {
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      }));
      checked += 1;
      for (const v of result.violations) {
        violations.push({ look: name, view, rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) });
      }
    });
  }
  console.log(JSON.stringify({ ok: violations.length === 0 && checked > 0, checked, violations }, null, 1));
  if (violations.length) process.exitCode = 1;
} catch (err) {
  failed(err);
} finally {
  await browser.close();
}
