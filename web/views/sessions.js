// @ts-check
// Where you are signed in: every live session, this one marked, and ending
// any other one at once.
import { api } from '../latchkey.js';
import { h, announce, time, relative, alertBox, describe, badge, uid } from '../ui.js';

/**
 * A user agent in words: "Chrome on Linux", "Firefox on Windows", "curl".
 * @param {string} ua
 */
export function describeAgent(ua) {
  if (!ua) return 'Unknown browser';
  /** @type {[RegExp, string][]} */
  const browsers = [
    [/\bEdg(?:e|A|iOS)?\//, 'Edge'], [/\bOPR\//, 'Opera'], [/\bSamsungBrowser\//, 'Samsung Internet'],
    [/\bFirefox\/|\bFxiOS\//, 'Firefox'], [/\bHeadlessChrome\//, 'Headless Chrome'], [/\bChrome\/|\bCriOS\//, 'Chrome'],
    [/\bVersion\/[\d.]+.*Safari\//, 'Safari'], [/^curl\//, 'curl'], [/^python-requests\//, 'Python requests'],
    [/^Go-http-client\//, 'a Go program'], [/^node|undici/i, 'Node.js'],
  ];
  /** @type {[RegExp, string][]} */
  const systems = [
    [/\b(iPhone|iPad|iPod)\b/, 'iOS'], [/\bAndroid\b/, 'Android'], [/\bWindows\b/, 'Windows'],
    [/\bCrOS\b/, 'ChromeOS'], [/\bMac OS X\b|\bMacintosh\b/, 'macOS'], [/\bLinux\b/, 'Linux'],
  ];
  const browser = browsers.find(([re]) => re.test(ua))?.[1];
  const system = systems.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `A browser on ${system}`;
  return 'Unknown browser';
}

/** @param {import('../app.js').Context} ctx */
export async function sessionsView(ctx) {
  const problem = alertBox();
  const area = h('div', { className: 'table-area' });
  const heading = h('h1', { tabIndex: -1 }, 'Sessions');
  ctx.main.append(
    heading,
    h('p', null, 'Every browser where you are signed in. Ending a session signs that browser out at once. To end them all, this one included, use “Sign out everywhere” on the Account page.'),
    problem.el,
    area,
  );

  async function reload() {
    /** @type {{sessions: import('../latchkey.js').Session[]}} */
    const out = await api.get('/api/sessions', { signal: ctx.signal });
    const rows = out.sessions.map((s) => {
      const nameId = uid('session');
      let action;
      if (s.current) {
        action = badge('This device', 'info');
      } else {
        action = h('button', { type: 'button', className: 'button danger small', 'aria-describedby': nameId }, 'End session');
        action.addEventListener('click', async () => {
          problem.clear();
          /** @type {HTMLButtonElement} */ (action).disabled = true;
          try {
            await api.del(`/api/sessions/${encodeURIComponent(s.id)}`);
            await reload();
            announce(`Session in ${describeAgent(s.userAgent)} ended.`);
            // The row, and the button that had focus, are gone.
            heading.focus();
          } catch (err) {
            /** @type {HTMLButtonElement} */ (action).disabled = false;
            problem.show('Could not end the session. ' + describe(err));
          }
        });
      }
      return h('tr', null,
        h('th', { scope: 'row', id: nameId, 'data-label': 'Browser', title: s.userAgent }, describeAgent(s.userAgent)),
        h('td', { 'data-label': 'Signed in' }, time(s.createdAt)),
        h('td', { 'data-label': 'Last seen' }, h('span', { title: new Date(s.lastSeenAt).toLocaleString() }, relative(s.lastSeenAt))),
        h('td', { 'data-label': 'Ends by' }, time(s.expiresAt)),
        h('td', { 'data-label': 'Actions', className: 'row-actions' }, action));
    });
    area.replaceChildren(h('table', { className: 'sessions' },
      h('caption', { className: 'visually-hidden' }, 'Your sessions'),
      h('thead', null, h('tr', null, ['Browser', 'Signed in', 'Last seen', 'Ends by', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows)));
  }
  await reload();
}
