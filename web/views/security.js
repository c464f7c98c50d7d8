// @ts-check
// The security log: what happened to your account — sign-ins, sign-outs,
// sessions ended, key changes, refusals on your posts — newest first, in
// words, page by page. Nothing in it is a secret: the API answers ids,
// key hints, labels, addresses and browsers only.
import { api } from '../latchkey.js';
import { h, announce, time, relative, alertBox, badge, pager } from '../ui.js';
import { describeAgent } from './sessions.js';

/**
 * @typedef {object} SecurityEvent An event of `GET /api/security-log`.
 * @property {string} id
 * @property {string} at
 * @property {string} kind
 * @property {Record<string, string>} details
 */

const pageSize = 20;

/** @param {string | undefined} n @param {string} one @param {string} many */
function count(n, one, many) {
  const k = Number(n || 0);
  return `${k} ${k === 1 ? one : many}`;
}

/**
 * A key as the log names it: its label and the end of its hint, “nightly
 * backup” (…a1b2).
 * @param {Record<string, string>} d
 */
function keyName(d) {
  const hint = d.hint || '';
  const tail = hint.includes('…') ? hint.slice(hint.indexOf('…')) : hint;
  return `“${d.label || d.keyId || 'a key'}”` + (tail ? ` (${tail})` : '');
}

/** @param {string | undefined} address */
const from = (address) => (address ? ` from ${address}` : '');

/** @param {string | undefined} provider */
function providerName(provider) {
  if (!provider) return 'your identity provider';
  return provider === 'github' ? 'GitHub' : provider;
}

/** @type {Record<string, string>} */
const doing = { read: 'reading', update: 'editing', delete: 'deleting', publish: 'publishing', create: 'creating' };

/**
 * An event in words, and a badge when it asks for a second look.
 * @param {SecurityEvent} e
 * @returns {{text: string, flag?: HTMLElement}}
 */
export function describeEvent(e) {
  const d = e.details || {};
  switch (e.kind) {
    case 'sign-in':
      return { text: `Signed in with ${providerName(d.provider)}${from(d.address)} (${describeAgent(d.userAgent || '')})` };
    case 'sign-out':
      return { text: `Signed out${from(d.address)}` };
    case 'session-ended':
      if (d.scope === 'all') {
        const keys = d.revokeKeys === 'true' ? `, and ${count(d.keysRevoked, 'API key', 'API keys')} revoked` : '';
        return { text: `Signed out everywhere${from(d.address)}: ${count(d.sessions, 'session', 'sessions')} ended${keys}` };
      }
      return { text: `Ended the session in ${describeAgent(d.userAgent || '')}${from(d.address)}` };
    case 'key-created': {
      const access = d.permissions === 'read' ? 'read-only ' : d.permissions === 'read,write' ? 'read-and-write ' : '';
      return { text: `Created ${access}key ${keyName(d)}${from(d.address)}` };
    }
    case 'key-regenerated': {
      const grace = Number(d.graceSeconds || 0);
      const old = grace > 0 ? `; the old secret worked ${grace} seconds more` : '; the old secret stopped at once';
      return { text: `Regenerated key ${keyName(d)}${from(d.address)}${old}` };
    }
    case 'key-revoked':
      return { text: `Revoked key ${keyName(d)}${from(d.address)}` };
    case 'key-auto-revoked':
      return { text: `Key ${keyName(d)} was revoked automatically${d.reason ? ': ' + d.reason : ''}${d.url ? ' at ' + d.url : ''}`, flag: badge('Automatic', 'warn') };
    case 'key-new-address':
      return { text: `Key ${keyName(d)} was used from a new address${d.address ? ', ' + d.address : ''}`, flag: badge('New address', 'warn') };
    case 'key-updated':
      return { text: `Changed key ${keyName(d)}${from(d.address)}${d.allowedCidrs ? '; it now works from ' + d.allowedCidrs : ''}` };
    case 'policy-denied': {
      const who = d.actor === 'author' ? 'You were' : 'Another user was';
      const act = doing[d.action] || d.action || 'using';
      return { text: `${who} refused ${act} your post “${d.title || d.postId || ''}”`, flag: badge('Refused', 'bad') };
    }
  }
  return { text: `Event “${e.kind}”` };
}

/** @param {import('../app.js').Context} ctx */
export async function securityView(ctx) {
  const problem = alertBox();
  const heading = h('h1', { tabIndex: -1 }, 'Security log');
  const list = h('ol', { className: 'events', 'aria-label': 'Events, newest first' });
  const empty = h('p', { hidden: true }, 'Nothing has happened to your account yet that the log keeps.');
  const events = pager({
    label: 'More events', failure: 'Could not load the security log.', problem, signal: ctx.signal,
    fetch: async (cursor) => {
      /** @type {{events: SecurityEvent[], next?: string}} */
      const page = await api.get('/api/security-log', { query: { limit: pageSize, cursor }, signal: ctx.signal });
      return { items: page.events, next: page.next };
    },
    add: (e) => {
      const { text, flag } = describeEvent(e);
      list.append(h('li', null,
        h('p', { className: 'item-title', tabIndex: -1 }, text),
        h('p', { className: 'meta' }, flag || null, flag ? ' ' : null, h('span', { className: 'when' }, time(e.at), ' · ', relative(e.at)))));
    },
    after: (first, added) => {
      empty.hidden = list.children.length > 0 || !events.done();
      if (first > 0) {
        // After More events, reading goes on at the first new event.
        /** @type {HTMLElement | null} */ (list.children[first]?.querySelector('.item-title'))?.focus();
        announce(`${count(String(added), 'more event', 'more events')} loaded.`);
      }
    },
  });
  ctx.main.append(
    heading,
    h('p', null, 'What happened to your account, newest first: sign-ins and sign-outs, sessions ended, API keys created, regenerated and revoked, and refusals of actions on your posts. If you see something you did not do, end your other sessions and revoke your keys from the Account page. Events are kept for a limited time, then removed.'),
    problem.el,
    list,
    empty,
    events.more,
  );
  await events.load();
}
