// @ts-check
// The Latchkey console: a single-page app over the API, one URL per view.
// The server answers every view's path with this page (index.html), so a
// deep link works on reload; this script picks the view from the path.
import { me as whoAmI, signInURL, LatchkeyError } from './latchkey.js';
import { h, announce, describe } from './ui.js';
import { homeView } from './views/home.js';
import { accountView } from './views/account.js';
import { keysView } from './views/keys.js';
import { sessionsView } from './views/sessions.js';
import { securityView } from './views/security.js';
import { myPostsView, editPostView, reviewView } from './views/posts.js';

/**
 * @typedef {object} Context What a view gets.
 * @property {HTMLElement} main Where the view draws itself (detached
 *   until the view is ready; find the view's elements through it only
 *   while drawing).
 * @property {import('./latchkey.js').Me | null} me Who is signed in.
 * @property {Record<string, string>} params The path's parameters.
 * @property {(path: string, o?: {replace?: boolean, message?: string}) => void} navigate
 * @property {() => Promise<void>} refreshMe Reads who is signed in again (after signing out).
 * @property {AbortSignal} signal Aborted when the person leaves the view.
 */

/**
 * @typedef {object} Route
 * @property {RegExp} pattern
 * @property {string} title
 * @property {(ctx: Context) => Promise<void> | void} view
 * @property {boolean} [signedIn] Needs someone signed in.
 * @property {string} [role] Needs this role.
 * @property {string} [signInReason] Words on the sign-in prompt.
 */

/** @type {Route[]} */
const routes = [
  { pattern: /^\/$/, title: 'Published posts', view: homeView },
  { pattern: /^\/account$/, title: 'Account', view: accountView, signedIn: true, signInReason: 'to see your account' },
  { pattern: /^\/keys$/, title: 'API keys', view: keysView, signedIn: true, signInReason: 'to manage your API keys' },
  { pattern: /^\/sessions$/, title: 'Sessions', view: sessionsView, signedIn: true, signInReason: 'to see where you are signed in' },
  { pattern: /^\/security$/, title: 'Security log', view: securityView, signedIn: true, signInReason: 'to see your security log' },
  { pattern: /^\/posts$/, title: 'My posts', view: myPostsView, signedIn: true, signInReason: 'to write posts' },
  { pattern: /^\/posts\/new$/, title: 'New post', view: editPostView, signedIn: true, signInReason: 'to write posts' },
  { pattern: /^\/posts\/(?<id>post_[A-Za-z0-9]{1,64})$/, title: 'Edit post', view: editPostView, signedIn: true, signInReason: 'to edit posts' },
  { pattern: /^\/review$/, title: 'Review', view: reviewView, signedIn: true, role: 'editor', signInReason: 'to review drafts' },
];

// Every module loaded and linked: boot.js no longer needs to say the page
// could not start.
document.documentElement.setAttribute('data-started', '');

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));

/** @type {import('./latchkey.js').Me | null} */
let me = null;
// Whether GET /api/me has answered (me is then someone, or null: signed out).
let known = false;
/** @type {AbortController | null} */
let leaving = null;

/** The nav's links: what the signed-in person may use; without Sign in while who is signed in is not known. */
function drawNav() {
  /** @type {[string, string][]} */
  const links = [['/', 'Published']];
  if (me) {
    links.push(['/posts', 'My posts']);
    if (me.user.roles.includes('editor')) links.push(['/review', 'Review']);
    links.push(['/keys', 'API keys'], ['/sessions', 'Sessions'], ['/security', 'Security log'], ['/account', 'Account']);
  }
  const here = location.pathname.replace(/\/+$/, '') || '/';
  const items = links.map(([href, text]) => {
    const current = href === here || (href === '/posts' && here.startsWith('/posts/'));
    return h('li', null, h('a', { href, 'aria-current': current ? 'page' : undefined }, text));
  });
  const who = me
    ? h('p', { className: 'who' }, h('span', { className: 'visually-hidden' }, 'Signed in as '), me.user.name)
    : known ? h('a', { className: 'button primary', href: signInURL() }, 'Sign in') : null;
  nav.replaceChildren(h('ul', null, items), ...(who ? [who] : []));
}

/**
 * Draws the view of the current path. The view draws into a detached
 * element, which replaces the page's content only once the view is ready
 * and only if the person has not gone elsewhere meanwhile: a slow view
 * can never add itself, or its errors, to the next one.
 * @param {{focus?: boolean, message?: string}} [o]
 */
async function render(o = {}) {
  drawn = location.pathname + location.search;
  leaving?.abort();
  const ctl = new AbortController();
  leaving = ctl;
  const path = location.pathname.length > 1 ? location.pathname.replace(/\/+$/, '') : '/';
  const route = routes.find((r) => r.pattern.test(path));
  const params = route ? /** @type {RegExpMatchArray} */ (path.match(route.pattern)).groups || {} : {};
  drawNav();
  announce(o.message || '');
  main.replaceChildren(h('p', { className: 'loading' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  const view = h('div');
  /** @type {Context} */
  const ctx = { main: view, me, params, navigate, refreshMe, signal: ctl.signal };
  try {
    if (!route) {
      document.title = 'Page not found · Latchkey';
      notFound(ctx);
    } else if (route.signedIn && !me) {
      document.title = 'Sign in · Latchkey';
      signInPrompt(ctx, route.signInReason || 'to continue');
    } else if (route.role && !me?.user.roles.includes(route.role)) {
      document.title = route.title + ' · Latchkey';
      view.append(h('h1', null, route.title),
        h('p', null, `This page is for people with the ${route.role} role, and you do not have it.`));
    } else {
      document.title = route.title + ' · Latchkey';
      await route.view(ctx);
    }
  } catch (err) {
    if (ctl.signal.aborted) return;
    if (err instanceof LatchkeyError && err.status === 401) return; // on the way to sign in
    view.append(h('div', { className: 'alert', role: 'alert' }, h('p', null, describe(err))));
  }
  if (ctl.signal.aborted) return;
  main.replaceChildren(...view.childNodes);
  main.removeAttribute('aria-busy');
  // The heading can take focus: after a navigation, and after an action
  // that removed the control that had it.
  const heading = main.querySelector('h1');
  if (heading) heading.tabIndex = -1;
  if (o.focus && heading) heading.focus();
}

/** @param {Context} ctx */
function notFound(ctx) {
  ctx.main.append(
    h('h1', null, 'Page not found'),
    h('p', null, 'There is no page at this address.'),
    h('p', null, h('a', { href: '/' }, 'Go to the published posts')),
  );
}

/**
 * @param {Context} ctx
 * @param {string} reason
 */
function signInPrompt(ctx, reason) {
  ctx.main.append(
    h('h1', null, 'Sign in'),
    h('p', null, `Sign in ${reason}.`),
    h('p', null, h('a', { className: 'button primary', href: signInURL() }, 'Sign in')),
  );
}

/**
 * Goes to another view without reloading the page.
 * @param {string} path
 * @param {{replace?: boolean, message?: string}} [o]
 */
function navigate(path, o = {}) {
  if (o.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  if (known) void render({ focus: true, message: o.message });
  else void start({ focus: true });
}

async function refreshMe() {
  me = await whoAmI();
}

// Links to the app's own views change the view in place; everything else
// (sign-in, the API, other sites, new tabs) is left to the browser.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || url.pathname === '/api' || url.pathname.startsWith('/api/')) return;
  // A link within this view (the skip link, #main) moves focus there.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) {
    const target = document.getElementById(decodeURIComponent(url.hash.slice(1)));
    if (target) {
      event.preventDefault();
      if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.tabIndex = -1;
      target.focus();
    }
    return;
  }
  event.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});

// Back and forward draw the view of the new address; a change of the
// fragment alone (#main) is not a new view.
let drawn = location.pathname + location.search;
window.addEventListener('popstate', () => {
  const here = location.pathname + location.search;
  if (here === drawn) return;
  if (known) void render({ focus: true });
  else void start({ focus: true });
});

/**
 * Reads who is signed in, then draws the view. When that cannot be known
 * (Latchkey unreachable, busy or failing: anything but 401, which is
 * "signed out"), the page says so in an alert with Retry, rather than
 * treating a signed-in person as signed out.
 * @param {{focus?: boolean}} [o]
 */
async function start(o = {}) {
  try {
    me = await whoAmI();
    known = true;
  } catch (err) {
    unreachable(err, o.focus);
    return;
  }
  await render({ focus: o.focus });
}

/**
 * The page when GET /api/me failed: an alert in words and Retry, which
 * reads it again and draws the view.
 * @param {unknown} err
 * @param {boolean} [focus] Move focus to Retry (after a Retry that failed).
 */
function unreachable(err, focus) {
  leaving?.abort();
  drawn = location.pathname + location.search;
  me = null;
  known = false;
  drawNav();
  announce('');
  document.title = 'Could not load the page · Latchkey';
  const retry = h('button', { type: 'button', className: 'button primary' }, 'Retry');
  retry.addEventListener('click', () => {
    retry.disabled = true;
    void start({ focus: true });
  });
  main.replaceChildren(
    h('h1', null, 'Could not load the page'),
    h('div', { className: 'alert', role: 'alert' },
      h('p', null, describe(err)),
      h('p', null, 'The page needs to know who is signed in before it can show anything; nothing has changed.'),
      h('p', null, retry)),
  );
  main.removeAttribute('aria-busy');
  if (focus) retry.focus();
}

void start();
