// @ts-check
// A key's usage over the last 30 UTC days: a small bar chart drawn with SVG
// elements (no inline style: the colours come from style.css), a sentence
// that says what it shows, and the numbers of each day in a table behind a
// disclosure, for screen readers and keyboards. Also the allow-list's text
// field in lines, and its errors in words.
import { h, uid } from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';

/**
 * An SVG element with attributes (never a style attribute).
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...Node} children
 * @returns {SVGElement}
 */
function svg(tag, attrs, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/**
 * A UTC day ("2026-11-28") in the reader's words ("28 Nov").
 * @param {string} date
 * @param {string} [locale]
 */
export function dayInWords(date, locale) {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(date + 'T00:00:00Z'));
}

/** @param {number} n */
function requests(n) {
  return `${n.toLocaleString('en')} request${n === 1 ? '' : 's'}`;
}

/**
 * What the chart shows, in one sentence: "42 requests in the last 30 days,
 * most on 28 Nov (17)."
 * @param {import('../latchkey.js').KeyUsage} usage
 * @param {string} [locale]
 */
export function usageSummary(usage, locale) {
  if (!usage.total) return `No requests in the last ${usage.days.length} days.`;
  let busiest = usage.days[0];
  for (const d of usage.days) if (d.requests > busiest.requests) busiest = d;
  return `${requests(usage.total)} in the last ${usage.days.length} days, most on ${dayInWords(busiest.date, locale)} (${busiest.requests.toLocaleString('en')}).`;
}

/**
 * The chart of a key's usage: bars, the summary and the daily numbers.
 * @param {import('../latchkey.js').KeyUsage} usage
 */
export function usageChart(usage) {
  const width = 8;
  const gap = 2;
  const height = 48;
  const most = Math.max(1, ...usage.days.map((d) => d.requests));
  const bars = usage.days.map((d, i) => {
    const tall = d.requests ? Math.max(2, Math.round((d.requests / most) * height)) : 1;
    return svg('rect', {
      x: i * (width + gap), y: height - tall, width, height: tall, rx: 1,
      class: d.requests ? 'bar' : 'bar zero',
    }, svg('title', {}, document.createTextNode(`${dayInWords(d.date)}: ${requests(d.requests)}`)));
  });
  // The sentence and the table say what the bars show; the bars
  // themselves are hidden from screen readers, so it is not said twice.
  const chart = svg('svg', {
    class: 'usage-chart', viewBox: `0 0 ${usage.days.length * (width + gap) - gap} ${height}`,
    'aria-hidden': 'true', focusable: 'false',
  }, ...bars);
  const captionId = uid('usage');
  return h('figure', { className: 'usage', 'aria-labelledby': captionId },
    chart,
    h('figcaption', { id: captionId }, usageSummary(usage)),
    h('details', { className: 'usage-days' },
      h('summary', null, 'Requests per day'),
      h('table', null,
        h('caption', { className: 'visually-hidden' }, 'Requests per UTC day, oldest first'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, 'Requests'))),
        h('tbody', null, usage.days.map((d) => h('tr', null,
          h('th', { scope: 'row' }, h('time', { dateTime: d.date }, dayInWords(d.date))),
          h('td', null, d.requests.toLocaleString('en'))))))));
}

/**
 * The addresses typed in a field, one per line: the non-empty lines,
 * trimmed, and the line number (from 1) of each.
 * @param {string} text
 * @returns {{values: string[], lines: number[]}}
 */
export function addressLines(text) {
  /** @type {string[]} */
  const values = [];
  /** @type {number[]} */
  const lines = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const v = line.trim();
    if (v) {
      values.push(v);
      lines.push(i + 1);
    }
  });
  return { values, lines };
}

/**
 * The API's word for an entry of the list ("allowedCidrs[2]: …") as the line
 * the person typed it on ("Line 4: …").
 * @param {string} message
 * @param {number[]} lines What addressLines gave for the field.
 */
export function addressMessage(message, lines) {
  return message.replace(/^allowedCidrs\[(\d+)\]/, (_, i) => `Line ${lines[Number(i)] ?? Number(i) + 1}`)
    .replace(/ is already allowedCidrs\[(\d+)\]/, (_, i) => ` is already on line ${lines[Number(i)] ?? Number(i) + 1}`)
    .replace(/^allowedCidrs may hold/, 'The list may hold');
}
