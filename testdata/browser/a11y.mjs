// Checks every view of the console, dialogs open, with axe-core (WCAG 2.1
// A and AA rules, color contrast included) in each look: desktop, a 375 px
// phone, and the dark color scheme. Prints {"ok":true} or every violation.
// axe is injected into the page, which the content security policy would
// refuse, so these contexts alone bypass it; every other test keeps it.
// Before that, in the light and dark schemes, it measures what axe does
// not: the contrast of focus rings and field borders (WCAG 1.4.11, 3:1).
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { launch, looks, tour, failed, openPage, signIn } from './lib.mjs';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/**
 * WCAG 1.4.11 (non-text contrast, 3:1), which axe does not check: in the
 * look's color scheme, the focus ring of a button reached with Tab and of a
 * text field, and every text field's border, measured against the color
 * behind them (and a field's border against its own fill), on the key form
 * (fields on a card) and the post editor (fields on the page).
 */
async function nonTextContrast(browser, options, look) {
  const page = await openPage(browser, options);
  await page.addInitScript(measureScript);
  await signIn(page, 'Ada Author', '/keys');
  for (const [path, heading, button] of [['/keys', 'API keys', 'Create API key'], ['/posts/new', 'New post', 'Save draft']]) {
    await page.goto(path);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    const fields = await page.evaluate(() => [...document.querySelectorAll('main input[type="text"], main textarea, main select')]
      .filter((el) => el.getClientRects().length).map((el) => window.measure(el, 'border')));
    assert.ok(fields.length >= 2, `${look} ${path}: fields measured`);
    for (const f of fields) {
      assert.ok(f.ratio >= 3, `${look} ${path}: the border of ${f.what} is ${f.color} on ${f.behind}, ${f.ratio.toFixed(2)}:1; want 3:1`);
    }
    await page.getByLabel(path === '/keys' ? 'Label' : 'Title').click();
    const field = await page.evaluate(() => window.measure(document.activeElement, 'outline'));
    assert.ok(field.ratio >= 3, `${look} ${path}: the focus ring of ${field.what} is ${field.color} on ${field.behind}, ${field.ratio.toFixed(2)}:1; want 3:1`);
    for (let i = 0; i < 12 && await page.evaluate((b) => document.activeElement?.textContent !== b, button); i++) await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => window.measure(document.activeElement, 'outline'));
    assert.equal(ring.what, `BUTTON ${button}`, `${look} ${path}: Tab reached ${button}`);
    assert.ok(ring.ratio >= 3, `${look} ${path}: the focus ring of ${ring.what} is ${ring.color} on ${ring.behind}, ${ring.ratio.toFixed(2)}:1; want 3:1`);
  }
  await page.context().close();
}

/** Defines window.measure(el, 'border' | 'outline') in every page: the colour, what is behind it, and their contrast ratio. */
function measureScript() {
  const rgb = (c) => c.match(/[\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  // The first opaque background at or above el.
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  window.measure = (el, part) => {
    const style = getComputedStyle(el);
    const what = el.tagName + ' ' + (el.labels?.[0]?.textContent || el.textContent);
    if (part === 'outline' && (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2)) {
      return { what, color: 'no outline', behind: '', ratio: 0 };
    }
    const color = rgb(part === 'outline' ? style.outlineColor : style.borderTopColor).slice(0, 3);
    const behind = background(el.parentElement);
    // A border sits between the field's own fill and what is behind it.
    const against = part === 'border' ? [behind, background(el)] : [behind];
    return { what, color: `rgb(${color})`, behind: against.map((c) => `rgb(${c})`).join(' and '), ratio: Math.min(...against.map((c) => ratio(color, c))) };
  };
}

const browser = await launch();
const violations = [];
let checked = 0;
try {
  for (const { name, ...options } of looks.filter((l) => l.name !== 'mobile')) {
    await nonTextContrast(browser, options, name);
  }
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
