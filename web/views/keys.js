// @ts-check
// API keys: the list with each key's state, the addresses it may be used
// from and its usage, creating one, changing its addresses, regenerating
// its secret and revoking it. A secret is shown once, in a dialog; closing the
// dialog removes it from the page, and nothing here keeps it anywhere else
// (no storage, no URL, no console).
import { api, signInURL, LatchkeyError } from '../latchkey.js';
import { h, announce, time, relative, alertBox, describe, confirmAction, modal, labelled, radios, badge, uid } from '../ui.js';
import { usageChart, addressLines, addressMessage } from './usage.js';

const day = 24 * 60 * 60 * 1000;

// The API's limits, as the console says them. internal/devserver's
// TestWebLimitsAreTheServers holds each to its Go constant.
const maxLabel = 64; // keys.MaxLabel, in characters
const maxAddresses = 20; // keys.MaxAllowedCIDRs
const signInMinutes = 15; // keys.MaxSignInAge
const usageDays = 30; // keys.UsageWindow

/**
 * A key's state, in words and tone.
 * @param {import('../latchkey.js').Key} k
 * @param {number} now
 * @returns {{text: string, tone: 'ok' | 'warn' | 'bad' | 'info', detail?: string}}
 */
export function keyState(k, now) {
  if (k.revoked) return { text: 'Revoked', tone: 'bad' };
  const expires = k.expiresAt ? Date.parse(k.expiresAt) : Infinity;
  if (expires <= now) return { text: 'Expired', tone: 'bad' };
  if (k.previousExpiresAt && Date.parse(k.previousExpiresAt) > now) {
    return { text: 'In rotation grace', tone: 'info', detail: 'The old secret works until ' + new Date(k.previousExpiresAt).toLocaleString() };
  }
  if (expires - now <= 7 * day) return { text: 'Expires soon', tone: 'warn', detail: 'Expires ' + relative(/** @type {string} */ (k.expiresAt)) };
  return { text: 'Active', tone: 'ok' };
}

/**
 * Why a revoked key stopped, and since when: "Found in public at <url> on
 * <date>." The place is a link only when it is an http(s) URL, and the link
 * sends no referrer and gives the page it opens no hold on this one.
 * @param {NonNullable<import('../latchkey.js').Key['revoked']>} r
 */
export function revokedDetail(r) {
  /** @type {(string | Node)[]} */
  const parts = [r.reason === 'found in public' ? 'Found in public' : 'Revoked: ' + r.reason];
  if (r.url) {
    let safe = false;
    try {
      const u = new URL(r.url);
      safe = u.protocol === 'https:' || u.protocol === 'http:';
    } catch { /* not a URL: shown as text */ }
    parts.push(' at ', safe ? h('a', { href: r.url, rel: 'noopener noreferrer' }, r.url) : h('code', null, r.url));
  }
  parts.push(' on ', time(r.at), '.');
  return h('span', { className: 'detail revoked' }, parts);
}

/** @param {number} seconds */
function delayInWords(seconds) {
  if (seconds <= 0) return 'A revoked key stops working at once.';
  const amount = seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
  return `A revoked key may keep working for up to ${amount}: the authorizer keeps keys it has checked for that long.`;
}

/** @param {import('../app.js').Context} ctx */
export async function keysView(ctx) {
  const problem = alertBox();
  const listArea = h('div', { className: 'table-area' });
  const note = h('p', { className: 'hint' });
  ctx.main.append(
    h('h1', null, 'API keys'),
    h('p', null, 'A key lets a script call the API as you, without a browser. Give each script its own key with the least permission it needs, keep it in an environment variable, and revoke it when it is no longer used.'),
    problem.el,
    createForm(reload, problem),
    h('h2', { tabIndex: -1, id: 'your-keys' }, 'Your keys'),
    listArea,
    note,
  );

  // After a change, a 401 must not take the browser to sign in: a new
  // secret may be on screen, not yet copied.
  async function reload(goSignIn = true) {
    /** @type {{keys: import('../latchkey.js').Key[], cacheTtlSeconds: number}} */
    const out = await api.get('/api/keys', { signal: ctx.signal, signIn: goSignIn });
    note.textContent = delayInWords(out.cacheTtlSeconds) + ' Usage is counted within about a minute.';
    if (!out.keys.length) {
      listArea.replaceChildren(h('p', null, 'You have no API keys yet.'));
      return;
    }
    const { table, usageSlots } = keyTable(out.keys, reload, problem);
    listArea.replaceChildren(table);
    fillUsage(usageSlots, ctx.signal);
  }
  await reload();
}

/**
 * @param {(goSignIn?: boolean) => Promise<void>} reload
 * @param {import('../ui.js').AlertBox} problem
 */
function createForm(reload, problem) {
  const titleId = uid('create-title');
  const label = h('input', { type: 'text', name: 'label', required: true, maxLength: maxLabel, autocomplete: 'off', spellcheck: false });
  const expires = h('select', { name: 'expires' },
    h('option', { value: '30' }, '30 days'),
    h('option', { value: '90', selected: true }, '90 days'),
    h('option', { value: '365' }, '365 days'),
    h('option', { value: 'never' }, 'Never'));
  const addresses = h('textarea', { name: 'allowedCidrs', className: 'addresses', rows: 3, autocomplete: 'off', spellcheck: false, autocapitalize: 'off' });
  const submit = h('button', { type: 'submit', className: 'button primary' }, 'Create API key');
  const form = h('form', { className: 'card', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, 'Create API key'),
    labelled('Label', label, `What the key is for, such as “nightly backup”: you will see it in the list. Up to ${maxLabel} characters.`),
    radios('Permissions', 'permissions', [
      { label: 'Read: GET requests only', value: 'read' },
      { label: 'Read and write', value: 'read,write' },
    ], 'read'),
    labelled('Expires', expires),
    labelled('Allowed addresses (optional)', addresses, addressHint),
    h('div', { className: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.clear();
    const data = new FormData(form);
    const days = String(data.get('expires'));
    const allowed = addressLines(String(data.get('allowedCidrs') || ''));
    const body = {
      label: String(data.get('label') || '').trim(),
      permissions: String(data.get('permissions')).split(','),
      expiresInDays: days === 'never' ? undefined : Number(days),
      allowedCidrs: allowed.values.length ? allowed.values : undefined,
    };
    submit.disabled = true;
    try {
      /** @type {import('../latchkey.js').KeyWithSecret} */
      const created = await api.post('/api/keys', body);
      form.reset();
      submit.disabled = false;
      // The secret first: whatever happens to the list, it is shown.
      const listed = refresh(reload, problem);
      await showSecret(created, 'Your new API key', () => submit);
      await listed;
      announce(`Key “${body.label}” created.`);
    } catch (err) {
      if (isAddressError(err)) {
        problem.show('Could not create the key. ' + addressMessage(/** @type {LatchkeyError} */ (err).message, allowed.lines));
        addresses.focus();
      } else {
        showFailure(problem, 'Could not create the key. ', err);
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

const addressHint = `One IPv4 or IPv6 address or CIDR prefix per line, such as 203.0.113.0/24 or 2001:db8::/32, up to ${maxAddresses}: the key is refused from anywhere else. Empty: any address.`;

/**
 * Whether the API refused the allowed addresses.
 * @param {unknown} err
 */
function isAddressError(err) {
  return err instanceof LatchkeyError && err.status === 400 && /^allowedCidrs/.test(err.message);
}

/**
 * @param {import('../latchkey.js').Key[]} keys
 * @param {(goSignIn?: boolean) => Promise<void>} reload
 * @param {import('../ui.js').AlertBox} problem
 * @returns {{table: HTMLTableElement, usageSlots: Map<string, HTMLElement>}}
 */
function keyTable(keys, reload, problem) {
  /** @type {Map<string, HTMLElement>} */
  const usageSlots = new Map();
  const now = Date.now();
  const head = h('thead', null, h('tr', null,
    ['Label', 'Key', 'Permissions', 'Created', 'Last used', 'Expires', 'State', 'Actions'].map((c) => h('th', { scope: 'col' }, c))));
  const rows = keys.map((k) => {
    const labelId = uid('key-label');
    const state = keyState(k, now);
    // A revoked key cannot come back: no Regenerate, only Delete.
    const regenerate = k.revoked ? null : h('button', { type: 'button', className: 'button secondary small', 'aria-describedby': labelId, 'data-regenerate': k.id }, 'Regenerate');
    const revoke = h('button', { type: 'button', className: 'button danger small', 'aria-describedby': labelId }, k.revoked ? 'Delete' : 'Revoke');
    regenerate?.addEventListener('click', () => regenerateKey(k, reload, problem));
    revoke.addEventListener('click', () => revokeKey(k, reload, problem, revoke));
    // A revoked key is kept to be read: its addresses no longer matter.
    const edit = k.revoked ? null : h('button', { type: 'button', className: 'button secondary small', 'aria-describedby': labelId, 'data-edit-addresses': k.id }, 'Edit addresses');
    edit?.addEventListener('click', () => editAddresses(k, reload, problem));
    const slot = h('p', { className: 'hint' }, 'Loading usage…');
    usageSlots.set(k.id, slot);
    // The key's addresses and usage, under its row: the cell names the
    // key's label as its header, for screen readers.
    const more = h('tr', { className: 'key-more' }, h('td', { colSpan: 8, headers: labelId },
      h('div', { className: 'key-parts' },
        h('div', { className: 'key-part' },
          h('p', { className: 'part-title' }, 'Allowed addresses'),
          k.allowedCidrs.length
            ? h('ul', { className: 'cidrs' }, k.allowedCidrs.map((c) => h('li', null, h('code', null, c))))
            : h('p', null, 'Any address'),
          edit),
        h('div', { className: 'key-part' },
          h('p', { className: 'part-title' }, `Requests, last ${usageDays} days (UTC)`),
          slot))));
    return [h('tr', { className: 'key-main' },
      h('th', { scope: 'row', id: labelId, 'data-label': 'Label' }, k.label),
      h('td', { 'data-label': 'Key' }, h('code', { className: 'hint-code' }, k.hint)),
      h('td', { 'data-label': 'Permissions' }, k.permissions.includes('write') ? 'Read and write' : 'Read'),
      h('td', { 'data-label': 'Created' }, time(k.createdAt, '—', true)),
      h('td', { 'data-label': 'Last used' }, k.lastUsedAt ? h('span', { title: new Date(k.lastUsedAt).toLocaleString() }, relative(k.lastUsedAt)) : 'Never'),
      h('td', { 'data-label': 'Expires' }, time(k.expiresAt, 'Never', true)),
      h('td', { 'data-label': 'State' }, badge(state.text, state.tone),
        k.revoked ? revokedDetail(k.revoked) : state.detail ? h('span', { className: 'detail' }, state.detail) : null),
      h('td', { 'data-label': 'Actions', className: 'row-actions' }, regenerate, revoke)), more];
  });
  const table = h('table', { className: 'keys' }, h('caption', { className: 'visually-hidden' }, 'Your API keys'), head, h('tbody', null, rows.flat()));
  return { table, usageSlots };
}

/**
 * Reads each key's usage, a few at a time, and draws it in its slot; a
 * failure says so in the slot alone.
 * @param {Map<string, HTMLElement>} slots
 * @param {AbortSignal} signal
 */
async function fillUsage(slots, signal) {
  const queue = [...slots];
  async function worker() {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [id, slot] = next;
      try {
        /** @type {import('../latchkey.js').KeyUsage} */
        const usage = await api.get(`/api/keys/${encodeURIComponent(id)}/usage`, { signal, signIn: false });
        slot.replaceWith(usageChart(usage));
      } catch (err) {
        if (signal.aborted) return;
        slot.textContent = 'Usage could not be loaded. ' + describe(err);
      }
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/**
 * Changes the addresses a key may be used from, in a dialog: one per line,
 * empty for any. A refusal reopens the dialog with what was typed and the
 * reason, by line.
 * @param {import('../latchkey.js').Key} k
 * @param {(goSignIn?: boolean) => Promise<void>} reload
 * @param {import('../ui.js').AlertBox} problem
 */
async function editAddresses(k, reload, problem) {
  let text = k.allowedCidrs.join('\n');
  let failure = '';
  for (;;) {
    const field = h('textarea', { name: 'allowedCidrs', className: 'addresses', rows: 6, autocomplete: 'off', spellcheck: false, autocapitalize: 'off', value: text });
    const alert = alertBox();
    if (failure) alert.show(failure);
    const choice = await modal({
      title: `Allowed addresses for “${k.label}”`,
      body: [
        h('p', null, 'The key works only from these addresses; requests from anywhere else are refused with 403 ip_not_allowed.'),
        alert.el,
        labelled('Allowed addresses', field, addressHint),
      ],
      buttons: [{ label: 'Save', value: 'save', kind: 'primary' }, { label: 'Cancel', value: 'cancel' }],
      focus: field,
      returnFocus: () => editButton(k.id),
      resultOf: (pressed, form) => {
        text = String(new FormData(form).get('allowedCidrs') || '');
        return pressed;
      },
    });
    if (choice !== 'save') return;
    const allowed = addressLines(text);
    problem.clear();
    try {
      await api.patch(`/api/keys/${encodeURIComponent(k.id)}`, { allowedCidrs: allowed.values });
    } catch (err) {
      if (err instanceof LatchkeyError && (err.code === 'reauth_required' || err.code === 'key_revoked')) {
        // Not something the list can fix: said on the page, with a way on.
        showFailure(problem, 'Could not save the addresses. ', err);
        if (err.code === 'key_revoked') await refresh(reload, problem);
        return;
      }
      failure = isAddressError(err)
        ? addressMessage(/** @type {LatchkeyError} */ (err).message, allowed.lines)
        : 'Could not save the addresses. ' + describe(err);
      continue;
    }
    await refresh(reload, problem);
    editButton(k.id)?.focus();
    announce(allowed.values.length ? `Allowed addresses of “${k.label}” saved.` : `“${k.label}” now works from any address.`);
    return;
  }
}

/**
 * The Edit addresses button of a key in the list as it is now.
 * @param {string} id
 * @returns {HTMLElement | null}
 */
function editButton(id) {
  return [.../** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('button[data-edit-addresses]'))].find((b) => b.dataset.editAddresses === id) || null;
}

/**
 * Says why making, regenerating or changing a key failed; when the API asks for a
 * recent sign-in, offers one that comes back here.
 * @param {import('../ui.js').AlertBox} problem
 * @param {string} what
 * @param {unknown} err
 */
function showFailure(problem, what, err) {
  if (err instanceof LatchkeyError && err.code === 'reauth_required') {
    problem.show(`For your safety, making or regenerating a key, or changing where one works, needs a sign-in within the last ${signInMinutes} minutes.`,
      h('p', null, h('a', { href: signInURL('/keys', { reauth: true }), className: 'button primary' }, 'Sign in again')));
    return;
  }
  problem.show(what + describe(err));
}

/**
 * Reloads the list after a change; a failure says so without undoing
 * what the change did (a key made, revoked or regenerated stays so).
 * @param {(goSignIn?: boolean) => Promise<void>} reload
 * @param {import('../ui.js').AlertBox} problem
 */
async function refresh(reload, problem) {
  try {
    await reload(false);
  } catch (err) {
    problem.show('The list could not be refreshed; reload the page to see your keys. ' + describe(err));
  }
}

/**
 * @param {import('../latchkey.js').Key} k
 * @param {(goSignIn?: boolean) => Promise<void>} reload
 * @param {import('../ui.js').AlertBox} problem
 * @param {HTMLButtonElement} button
 */
async function revokeKey(k, reload, problem, button) {
  const done = k.revoked ? 'deleted' : 'revoked';
  const ok = await confirmAction(k.revoked ? {
    title: 'Delete API key?',
    message: `Delete “${k.label}”? It no longer works; deleting it removes it and why it was revoked from this list.`,
    confirm: 'Delete',
    danger: true,
  } : {
    title: 'Revoke API key?',
    message: `Revoke “${k.label}”? Scripts using it will be refused. This cannot be undone.`,
    confirm: 'Revoke',
    danger: true,
  });
  if (!ok) return;
  problem.clear();
  button.disabled = true;
  try {
    await api.del(`/api/keys/${encodeURIComponent(k.id)}`);
    await refresh(reload, problem);
    announce(`Key “${k.label}” ${done}.`);
    // Its row, and the button that had focus, are gone.
    document.getElementById('your-keys')?.focus();
  } catch (err) {
    button.disabled = false;
    problem.show(`Could not ${k.revoked ? 'delete' : 'revoke'} “${k.label}”. ` + describe(err));
  }
}

/**
 * @param {import('../latchkey.js').Key} k
 * @param {(goSignIn?: boolean) => Promise<void>} reload
 * @param {import('../ui.js').AlertBox} problem
 */
async function regenerateKey(k, reload, problem) {
  let grace = '0';
  const choice = await modal({
    title: `Regenerate “${k.label}”?`,
    body: [
      h('p', null, 'A new secret replaces the current one; the key keeps its label, permissions and expiry. The new secret is shown once.'),
      radios('Keep the old secret working for', 'grace', [
        { label: 'No time: it stops now', value: '0' },
        { label: '1 hour', value: '3600' },
        { label: '24 hours', value: '86400' },
      ], '0'),
    ],
    buttons: [{ label: 'Regenerate', value: 'regenerate', kind: 'primary' }, { label: 'Cancel', value: 'cancel' }],
    // With no grace (the default) the working secret stops at once: like
    // every destructive confirmation, it starts on Cancel.
    focusValue: 'cancel',
    resultOf: (pressed, form) => {
      grace = String(new FormData(form).get('grace') || '0');
      return pressed;
    },
  });
  if (choice !== 'regenerate') return;
  problem.clear();
  try {
    /** @type {import('../latchkey.js').KeyWithSecret} */
    const renewed = await api.post(`/api/keys/${encodeURIComponent(k.id)}/regenerate`, { graceSeconds: Number(grace) });
    const listed = refresh(reload, problem);
    await showSecret(renewed, `New secret for “${k.label}”`, () => regenerateButton(k.id));
    await listed;
    announce(`Key “${k.label}” regenerated.`);
  } catch (err) {
    showFailure(problem, `Could not regenerate “${k.label}”. `, err);
  }
}

/**
 * The Regenerate button of a key in the list as it is now.
 * @param {string} id
 * @returns {HTMLElement | null}
 */
function regenerateButton(id) {
  return [.../** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('button[data-regenerate]'))].find((b) => b.dataset.regenerate === id) || null;
}

/**
 * Shows a secret once, in a dialog with a Copy button and a ready-to-run
 * command. When the dialog closes, the secret leaves the page: the field is
 * emptied, the dialog removed, and the answer object loses it.
 * @param {import('../latchkey.js').KeyWithSecret} answer
 * @param {string} title
 * @param {() => HTMLElement | null} returnFocus Where focus goes after.
 */
async function showSecret(answer, title, returnFocus) {
  /** @type {string | null} */
  let secret = answer.key;
  answer.key = '';
  const field = h('input', {
    type: 'text', readOnly: true, value: secret, autocomplete: 'off', spellcheck: false,
    autocapitalize: 'off', className: 'secret', 'data-secret': '',
  });
  const copied = h('span', { className: 'hint', role: 'status' });
  const copy = h('button', { type: 'button', className: 'button primary' }, 'Copy');
  copy.addEventListener('click', async () => {
    if (secret === null) return;
    try {
      await navigator.clipboard.writeText(secret);
      copied.textContent = 'Copied.';
    } catch {
      field.select();
      copied.textContent = 'Press Ctrl+C (⌘C on a Mac) to copy the selected key.';
    }
  });
  field.addEventListener('focus', () => field.select());
  const command = `curl -H "Authorization: Bearer $LATCHKEY_API_KEY" ${location.origin}/api/me`;
  await modal({
    title,
    className: 'secret-dialog',
    focus: copy,
    body: [
      h('p', { className: 'warning' }, h('strong', null, 'You will not see this key again.'), ' Copy it now and keep it somewhere safe, such as a password manager or your CI’s secret store.'),
      labelled('Secret key', field),
      h('div', { className: 'actions' }, copy, copied),
      h('dl', { className: 'facts' },
        h('dt', null, 'Key ID'), h('dd', null, h('code', null, answer.id)),
        h('dt', null, 'Label'), h('dd', null, answer.label),
        h('dt', null, 'Permissions'), h('dd', null, answer.permissions.includes('write') ? 'Read and write' : 'Read'),
        h('dt', null, 'Expires'), h('dd', null, time(answer.expiresAt, 'Never'))),
      h('h3', null, 'Try it'),
      h('p', null, 'Put the key in the LATCHKEY_API_KEY environment variable, then:'),
      h('pre', null, h('code', null, command)),
    ],
    buttons: [{ label: 'Done', value: 'done', kind: 'secondary' }],
    returnFocus,
    onClose: () => {
      field.value = '';
      secret = null;
    },
  });
}
