// @ts-check
// The console's building blocks: elements built with textContent (never
// innerHTML, so no data can become markup), dialogs that take and give back
// focus, a live region for status messages, and dates and errors in words.
import { LatchkeyError } from './latchkey.js';

/**
 * @typedef {string | Node | null | undefined | false} Child
 */

/**
 * Creates an element. Properties go on the element (`className`, `type`,
 * `value`, `hidden`, `onclick`, …); keys with a dash or starting with
 * "aria" are set as attributes. Children are nodes or text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any> | null} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.includes('-') || k.startsWith('aria') || k === 'role' || k === 'for') {
      el.setAttribute(k === 'for' ? 'for' : k, v === true ? '' : String(v));
    } else if (k === 'checked' || k === 'selected') {
      // As attributes too, so that a form's reset() comes back to them.
      el.setAttribute(k, '');
      /** @type {any} */ (el)[k] = v;
    } else if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else {
      /** @type {any} */ (el)[k] = v;
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

let ids = 0;
/** A fresh id for aria-labelledby and label/for pairs. @param {string} prefix */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/**
 * Says something to screen readers and shows it in the status line.
 * @param {string} message
 */
export function announce(message) {
  const region = document.getElementById('status');
  if (!region) return;
  // Clear first, so that the same words twice are read twice.
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 30);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/**
 * A date as a <time> element in the reader's words; its title has the time
 * of day too when only the day is shown.
 * @param {string | undefined} iso
 * @param {string} [none] Shown when there is no date.
 * @param {boolean} [dayOnly] Show the day without the time.
 */
export function time(iso, none = '—', dayOnly = false) {
  if (!iso) return document.createTextNode(none);
  const d = new Date(iso);
  return h('time', { dateTime: iso, title: dateFormat.format(d) }, (dayOnly ? dayFormat : dateFormat).format(d));
}

/**
 * How long ago or from now, in words ("3 minutes ago", "in 2 days").
 * @param {string} iso
 */
export function relative(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const units = /** @type {const} */ ([['day', 86400], ['hour', 3600], ['minute', 60]]);
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return seconds < 0 ? 'just now' : 'in a moment';
}

/**
 * An error in words for a person, without internal detail.
 * @param {unknown} err
 * @param {Record<number, string>} [byStatus] Words for particular statuses.
 */
export function describe(err, byStatus = {}) {
  if (!(err instanceof LatchkeyError)) return 'Something went wrong in this page. Reload it and try again.';
  if (byStatus[err.status]) return byStatus[err.status];
  switch (err.status) {
    case 0:
      return 'Latchkey could not be reached. Check your connection and try again.';
    case 401:
      return 'Your session has ended. Sign in again to continue.';
    case 403:
      return 'You are not allowed to do this: ' + err.message + '.';
    case 404:
      return 'Not found: it was deleted, or it is not yours.';
    case 429:
    case 503:
      return 'Latchkey is busy. Try again' + (err.retryAfter ? ` in ${err.retryAfter} seconds.` : ' shortly.');
  }
  if (err.status >= 500) return 'Latchkey had a problem. Try again in a moment.';
  return sentence(err.message);
}

/** @param {string} s */
function sentence(s) {
  const t = s.trim();
  if (!t) return t;
  return t[0].toUpperCase() + t.slice(1) + (t.endsWith('.') ? '' : '.');
}

/**
 * @typedef {object} AlertBox
 * @property {HTMLDivElement} el
 * @property {(message: string, ...extra: Child[]) => void} show
 * @property {() => void} clear
 */

/**
 * An alert box that says what went wrong; empty and hidden until set.
 * @returns {AlertBox}
 */
export function alertBox() {
  const box = h('div', { className: 'alert', role: 'alert', hidden: true });
  return {
    el: box,
    /** @param {string} message @param {...Child} extra */
    show(message, ...extra) {
      box.replaceChildren(h('p', null, message), .../** @type {(string | Node)[]} */ (extra.filter(Boolean)));
      box.hidden = false;
    },
    clear() {
      box.replaceChildren();
      box.hidden = true;
    },
  };
}

/**
 * @typedef {object} DialogButton
 * @property {string} label
 * @property {string} value What the dialog resolves with when it is pressed.
 * @property {'primary' | 'danger' | 'secondary'} [kind]
 */

/**
 * Opens a modal dialog: focus moves into it (to `focus`, or the button
 * whose value is `focusValue`, or its first button), Escape or Cancel
 * closes it, and focus goes back to where it was (or to `returnFocus()`).
 * Resolves with the pressed button's value, or null when dismissed. Only
 * its buttons close it: Enter in one of its fields does nothing. The
 * dialog is removed from the page when it closes.
 * @param {{title: string, body: Node[], buttons: DialogButton[], focus?: HTMLElement,
 *   focusValue?: string, onClose?: () => void, className?: string,
 *   returnFocus?: () => HTMLElement | null | undefined,
 *   resultOf?: (button: string, form: HTMLFormElement) => string | null}} o
 * @returns {Promise<string | null>}
 */
export function modal(o) {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = uid('dialog-title');
  const form = h('form', { method: 'dialog' });
  const buttons = o.buttons.map((b) => h('button', {
    type: 'submit', value: b.value, className: 'button ' + (b.kind || 'secondary'),
  }, b.label));
  form.append(
    h('h2', { id: titleId }, o.title),
    ...o.body,
    h('div', { className: 'actions' }, buttons),
  );
  // The first paragraph describes the dialog, so that a screen reader says
  // what it is about (which key, which post) along with its title.
  const lead = o.body[0];
  let describedBy;
  if (lead instanceof HTMLParagraphElement) {
    lead.id ||= uid('dialog-description');
    describedBy = lead.id;
  }
  // Enter in a field of a form submits it with a submit button ("implicit
  // submission"), here the dialog's confirm button: Enter on the "Also
  // revoke all my API keys" checkbox would sign out everywhere, Enter in
  // the secret's field would close it. A disabled first submit button stops
  // that for text fields only (Chromium still submits from a checkbox or a
  // radio), so Enter is held back in every field; a textarea keeps its new
  // lines, and the buttons still work by click, Enter and Space on them.
  form.addEventListener('keydown', (event) => {
    const field = event.target;
    if (event.key === 'Enter' && !event.isComposing && field instanceof HTMLInputElement &&
      !['submit', 'button', 'reset', 'image'].includes(field.type)) event.preventDefault();
  });
  const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': describedBy, className: o.className || '' }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const pressed = dialog.returnValue;
      const value = pressed && o.resultOf ? o.resultOf(pressed, form) : pressed || null;
      o.onClose?.();
      dialog.remove();
      // Back to the control that opened it, or the one the caller names
      // when that control was replaced or disabled meanwhile.
      const back = o.returnFocus?.() || opener;
      if (back && back.isConnected) back.focus();
      resolve(value);
    }, { once: true });
    dialog.showModal();
    (o.focus || buttons.find((b) => b.value === o.focusValue) || buttons[0]).focus();
  });
}

/**
 * Asks to confirm an action that cannot be undone.
 * @param {{title: string, message: string | Node[], confirm: string, danger?: boolean}} o
 * @returns {Promise<boolean>}
 */
export async function confirmAction(o) {
  const cancel = { label: 'Cancel', value: 'cancel' };
  const body = typeof o.message === 'string' ? [h('p', null, o.message)] : o.message;
  const buttons = [{ label: o.confirm, value: 'confirm', kind: o.danger ? 'danger' : 'primary' }, cancel];
  const answer = await modal({
    title: o.title,
    body,
    buttons,
    // A destructive action starts on Cancel: Enter alone must not destroy.
    focusValue: o.danger ? 'cancel' : 'confirm',
  });
  return answer === 'confirm';
}

/**
 * A visible label and its field, tied by for/id.
 * @param {string} text
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} field
 * @param {string} [hint] Words under the field, tied by aria-describedby.
 */
export function labelled(text, field, hint) {
  field.id ||= uid('field');
  /** @type {HTMLElement[]} */
  const parts = [h('label', { for: field.id }, text), field];
  if (hint) {
    const hintId = uid('hint');
    field.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { className: 'hint', id: hintId }, hint));
  }
  return h('div', { className: 'field' }, parts);
}

/**
 * A group of radio buttons with a legend.
 * @param {string} legend
 * @param {string} name
 * @param {{label: string, value: string}[]} options
 * @param {string} checked
 */
export function radios(legend, name, options, checked) {
  return h('fieldset', { className: 'radios' },
    h('legend', null, legend),
    options.map((opt) => {
      const input = h('input', { type: 'radio', name, value: opt.value, checked: opt.value === checked, id: uid(name) });
      return h('div', { className: 'radio' }, input, h('label', { for: input.id }, opt.label));
    }));
}

/**
 * A badge for a state, in words.
 * @param {string} text
 * @param {'ok' | 'warn' | 'bad' | 'info'} tone
 */
export function badge(text, tone) {
  return h('span', { className: 'badge ' + tone }, text);
}

/**
 * @template T
 * @typedef {object} PagerOptions
 * @property {(cursor: string | undefined) => Promise<{items: T[], next?: string}>} fetch
 *   Reads one page: the first when cursor is undefined.
 * @property {(item: T) => void} add Appends one item to the list.
 * @property {(first: number, added: number) => void} [after] Runs after a
 *   page is in: first is how many items there were before it.
 * @property {AbortSignal} signal The view's; an aborted load says nothing.
 * @property {AlertBox} problem Where a failed load says why.
 * @property {string} failure The words before the reason, e.g. "Could not load the posts."
 * @property {string} label The button's text, e.g. "More posts".
 */

/**
 * A cursor-paged listing read page by page: `load()` reads the first page,
 * and the button (hidden while there is nothing more) reads the next. The
 * button is disabled while a page loads, so one click reads one page.
 * @template T
 * @param {PagerOptions<T>} o
 * @returns {{more: HTMLButtonElement, load: () => Promise<void>, done: () => boolean}}
 */
export function pager(o) {
  const more = h('button', { type: 'button', className: 'button secondary', hidden: true }, o.label);
  /** @type {string | undefined} */
  let cursor;
  let count = 0;
  async function load() {
    o.problem.clear();
    more.disabled = true;
    try {
      const page = await o.fetch(cursor);
      const first = count;
      for (const item of page.items) o.add(item);
      count += page.items.length;
      cursor = page.next || undefined;
      more.hidden = !cursor;
      o.after?.(first, page.items.length);
    } catch (err) {
      if (o.signal.aborted) return;
      o.problem.show(`${o.failure} ${describe(err)}`);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  return { more, load, done: () => !cursor };
}
