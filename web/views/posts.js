// @ts-check
// Posts: your own (drafts and published), writing and editing one with its
// version (a concurrent edit is caught, and your text is kept), and for
// editors the review queue of drafts to publish. Buttons appear only where
// the policies let you use them; where the API still refuses, the page says
// so in words.
import { api, signInURL, LatchkeyError } from '../latchkey.js';
import { h, announce, time, alertBox, describe, confirmAction, labelled, badge, pager } from '../ui.js';

const pageSize = 20;
// posts.MaxTitle: internal/devserver's TestWebLimitsAreTheServers holds
// the two equal.
const maxTitle = 200;

/** @param {import('../latchkey.js').Me | null} me */
const isEditor = (me) => !!me && me.user.roles.includes('editor');

/** @param {import('../latchkey.js').Post | import('../latchkey.js').PostSummary} p */
function statusBadge(p) {
  return p.status === 'published' ? badge('Published', 'ok') : badge('Draft', 'warn');
}

/**
 * A paged list of posts with a "More posts" button.
 * @param {import('../app.js').Context} ctx
 * @param {Record<string, string>} query
 * @param {(p: import('../latchkey.js').PostSummary, remove: () => void) => HTMLElement} item
 * @param {string} empty
 * @param {import('../ui.js').AlertBox} problem
 * @param {HTMLElement} heading The view's heading, which takes focus when
 *   nothing else can.
 */
async function pagedList(ctx, query, item, empty, problem, heading) {
  const list = h('ul', { className: 'items' });
  const emptyNote = h('p', { hidden: true }, empty);
  /** The first link of an item, which takes focus for it. @param {Element | null} li */
  const linkOf = (li) => /** @type {HTMLElement | null} */ (li?.querySelector('a') || null);
  /**
   * The first item of the page being added: the pager counts every item it
   * ever added, and a deleted one is no longer in the list.
   * @type {HTMLElement | null}
   */
  let firstNew = null;
  const posts = pager({
    label: 'More posts', failure: 'Could not load the posts.', problem, signal: ctx.signal,
    fetch: async (cursor) => {
      /** @type {import('../latchkey.js').Page<import('../latchkey.js').PostSummary>} */
      const page = await api.get('/api/posts', { query: { ...query, limit: pageSize, cursor }, signal: ctx.signal });
      return { items: page.posts, next: page.next };
    },
    add: (p) => {
      const li = item(p, () => {
        // Focus goes to the next item (or the one before, or the view's
        // heading), not to the page's start with the removed button.
        const next = linkOf(li.nextElementSibling) || linkOf(li.previousElementSibling) || heading;
        li.remove();
        emptyNote.hidden = list.children.length > 0 || !posts.done();
        next?.focus();
      });
      list.append(li);
      firstNew ??= li;
    },
    after: (first) => {
      emptyNote.hidden = list.children.length > 0 || !posts.done();
      // After More posts, reading goes on at the first new post.
      if (first > 0) linkOf(firstNew)?.focus();
      firstNew = null;
    },
  });
  await posts.load();
  return [list, emptyNote, posts.more];
}

/** @param {import('../app.js').Context} ctx */
export async function myPostsView(ctx) {
  const problem = alertBox();
  const me = /** @type {import('../latchkey.js').Me} */ (ctx.me);
  const item = (/** @type {import('../latchkey.js').PostSummary} */ p, /** @type {() => void} */ remove) => {
    const del = h('button', { type: 'button', className: 'button danger small' }, 'Delete');
    del.addEventListener('click', () => deletePost(p, problem, () => { remove(); announce(`“${p.title}” deleted.`); }));
    return h('li', null,
      h('div', { className: 'item-main' },
        h('a', { href: `/posts/${p.id}`, className: 'item-title' }, p.title),
        h('p', { className: 'meta' }, statusBadge(p), ' Updated ', time(p.updatedAt))),
      h('div', { className: 'row-actions' },
        h('a', { href: `/posts/${p.id}`, className: 'button secondary small', 'aria-label': `Edit “${p.title}”` }, 'Edit'),
        p.authorId === me.user.id ? del : null));
  };
  const heading = h('h1', { tabIndex: -1 }, 'My posts');
  ctx.main.append(
    heading,
    h('p', null, 'Your drafts and published posts. A draft is yours alone until an editor publishes it.'),
    h('p', null, h('a', { href: '/posts/new', className: 'button primary' }, 'New post')),
    problem.el,
  );
  ctx.main.append(...await pagedList(ctx, { author: 'me' }, item, 'You have no posts yet.', problem, heading));
}

/** @param {import('../app.js').Context} ctx */
export async function reviewView(ctx) {
  const problem = alertBox();
  const me = /** @type {import('../latchkey.js').Me} */ (ctx.me);
  const item = (/** @type {import('../latchkey.js').PostSummary} */ p, /** @type {() => void} */ remove) => {
    const publish = h('button', { type: 'button', className: 'button primary small' }, 'Publish');
    publish.addEventListener('click', async () => {
      if (await publishPost(p, problem)) {
        remove();
        announce(`“${p.title}” is published.`);
      }
    });
    return h('li', null,
      h('div', { className: 'item-main' },
        h('a', { href: `/posts/${p.id}`, className: 'item-title' }, p.title),
        h('p', { className: 'meta' }, p.authorId === me.user.id ? 'Your draft, ' : 'A draft by another author, ', 'updated ', time(p.updatedAt)),
        h('p', { className: 'excerpt' }, p.truncated ? p.excerpt + '…' : p.excerpt)),
      h('div', { className: 'row-actions' }, publish));
  };
  const heading = h('h1', { tabIndex: -1 }, 'Review');
  ctx.main.append(
    heading,
    h('p', null, 'Every draft, newest first. Open one to read or edit it; publishing makes it public at once.'),
    problem.el,
  );
  ctx.main.append(...await pagedList(ctx, { status: 'draft' }, item, 'No drafts are waiting.', problem, heading));
}

/**
 * @param {import('../latchkey.js').Post | import('../latchkey.js').PostSummary} p
 * @param {import('../ui.js').AlertBox} problem
 * @returns {Promise<boolean>}
 */
async function publishPost(p, problem) {
  const ok = await confirmAction({
    title: 'Publish this post?',
    message: `Publish “${p.title}”? Everyone will be able to read it, signed in or not.`,
    confirm: 'Publish',
  });
  if (!ok) return false;
  problem.clear();
  try {
    await api.post(`/api/posts/${encodeURIComponent(p.id)}/publish`);
    return true;
  } catch (err) {
    problem.show(`Could not publish “${p.title}”. ` + describe(err, {
      403: 'Only editors may publish posts.',
      404: 'This post no longer exists.',
      409: 'The post changed while you were publishing it; reload and try again.',
    }));
    return false;
  }
}

/**
 * @param {import('../latchkey.js').Post | import('../latchkey.js').PostSummary} p
 * @param {import('../ui.js').AlertBox} problem
 * @param {() => void} done
 */
async function deletePost(p, problem, done) {
  const ok = await confirmAction({
    title: 'Delete this post?',
    message: `Delete “${p.title}”? It is gone for everyone${p.status === 'published' ? ', readers included' : ''}. This cannot be undone.`,
    confirm: 'Delete',
    danger: true,
  });
  if (!ok) return;
  problem.clear();
  try {
    await api.del(`/api/posts/${encodeURIComponent(p.id)}`);
    done();
  } catch (err) {
    problem.show(`Could not delete “${p.title}”. ` + describe(err, {
      403: 'Only the author of a post may delete it.',
      404: 'This post no longer exists.',
    }));
  }
}

/** @param {import('../app.js').Context} ctx */
export async function editPostView(ctx) {
  const me = /** @type {import('../latchkey.js').Me} */ (ctx.me);
  const id = ctx.params.id;
  const problem = alertBox();
  /** @type {import('../latchkey.js').Post | null} */
  let post = null;
  if (id) {
    try {
      post = await api.get(`/api/posts/${encodeURIComponent(id)}`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) return;
      ctx.main.append(h('h1', null, 'Edit post'), h('div', { className: 'alert', role: 'alert' },
        h('p', null, describe(err, { 404: 'This post does not exist, or it is a draft that you may not see.' }))),
      h('p', null, h('a', { href: '/posts' }, 'Back to my posts')));
      return;
    }
  }
  if (post && !isEditor(me) && post.authorId !== me.user.id) {
    // A published post of someone else's: readable, not editable (the
    // policies give editing to its author and the editors).
    ctx.main.append(
      h('h1', null, post.title),
      h('p', { className: 'meta' }, statusBadge(post), ' Published ', time(post.publishedAt)),
      h('p', { className: 'body' }, post.body),
      h('p', { className: 'hint' }, 'Only its author and the editors may edit this post.'),
      h('p', null, h('a', { href: '/' }, 'Back to the published posts')));
    document.title = post.title + ' · Latchkey';
    return;
  }

  const title = h('input', { type: 'text', name: 'title', required: true, maxLength: maxTitle, value: post ? post.title : '' });
  const body = h('textarea', { name: 'body', rows: 14, value: post ? post.body : '' });
  const save = h('button', { type: 'submit', className: 'button primary' }, post ? 'Save' : 'Save draft');
  const status = h('p', { className: 'meta' });
  const latest = h('section', { className: 'card latest', hidden: true, 'aria-label': 'Latest saved version' });
  const form = h('form', { className: 'editor' },
    labelled('Title', title, `Up to ${maxTitle} characters.`),
    labelled('Body', body, 'Plain text, up to 100 KB.'),
    h('div', { className: 'actions' }, save));

  function showStatus() {
    status.replaceChildren();
    if (post) status.append(statusBadge(post), ` Version ${post.version}, updated `, time(post.updatedAt));
  }
  showStatus();

  const extra = h('div', { className: 'actions' });
  if (post && isEditor(me) && post.status === 'draft') {
    const publish = h('button', { type: 'button', className: 'button secondary' }, 'Publish');
    publish.addEventListener('click', async () => {
      if (!post) return;
      if (title.value !== post.title || body.value !== post.body) {
        // Publishing publishes what is saved, not what is typed.
        problem.show('You have changes that are not saved. Save them first, then publish.');
        return;
      }
      if (await publishPost(post, problem)) ctx.navigate('/review', { message: `“${post.title}” is published.` });
    });
    extra.append(publish);
  }
  if (post && post.authorId === me.user.id) {
    const del = h('button', { type: 'button', className: 'button danger' }, 'Delete');
    del.addEventListener('click', () => post && deletePost(post, problem, () => ctx.navigate('/posts', { message: `“${post?.title}” deleted.` })));
    extra.append(del);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.clear();
    save.disabled = true;
    // A 401 here must not leave the page: the typed text would go with it.
    const keep = { signIn: false };
    try {
      if (!post) {
        /** @type {import('../latchkey.js').Post} */
        const created = await api.post('/api/posts', { title: title.value, body: body.value }, keep);
        ctx.navigate(`/posts/${created.id}`, { replace: true, message: 'Draft saved.' });
        return;
      }
      post = await api.put(`/api/posts/${encodeURIComponent(post.id)}`, { title: title.value, body: body.value, version: post.version }, keep);
      latest.hidden = true;
      showStatus();
      announce('Saved.');
    } catch (err) {
      if (err instanceof LatchkeyError && err.status === 409 && post) {
        conflict();
      } else if (err instanceof LatchkeyError && err.status === 401) {
        sessionEnded('Your session has ended, and nothing was saved. Your text is still here.', 'save');
      } else {
        problem.show('Could not save. ' + describe(err, {
          403: 'You may not edit this post.',
          404: 'This post no longer exists, or you may no longer see it.',
          413: 'The body is over 100 KB; shorten it and save again.',
        }));
      }
    } finally {
      save.disabled = false;
    }
  });

  /**
   * The session ended while the person was typing: going to sign in here
   * would take their text with the page, so the sign-in opens in a new tab.
   * @param {string} message
   * @param {string} then What to do back in this tab ("save").
   * @param {...HTMLElement} extra
   */
  function sessionEnded(message, then, ...extra) {
    problem.show(message,
      h('p', null, h('a', { href: signInURL('/account'), target: '_blank', rel: 'noopener' }, 'Sign in again in a new tab'),
        `, then come back to this tab and ${then}.`),
      ...extra);
  }

  // Someone saved the post since it was opened. Nothing typed here is
  // lost: loading the latest version shows it beside the form and takes
  // its version, so that saving again replaces it with what is typed here.
  function conflict() {
    const reload = h('button', { type: 'button', className: 'button secondary' }, 'Load the latest version');
    reload.addEventListener('click', async () => {
      if (!post) return;
      try {
        // As for Save, a 401 must not leave the page with the typed text.
        /** @type {import('../latchkey.js').Post} */
        const fresh = await api.get(`/api/posts/${encodeURIComponent(post.id)}`, { signIn: false });
        post = fresh;
        showStatus();
        latest.replaceChildren(
          h('h2', null, 'Latest saved version'),
          h('p', { className: 'meta' }, `Version ${fresh.version}, updated `, time(fresh.updatedAt)),
          h('h3', null, fresh.title),
          h('p', { className: 'body' }, fresh.body));
        latest.hidden = false;
        problem.clear();
        announce('Loaded the latest version. Your text is unchanged; saving now replaces the latest version with it.');
        title.focus();
      } catch (err) {
        if (err instanceof LatchkeyError && err.status === 401) {
          sessionEnded('Your session has ended, so the latest version was not loaded. Your text is still here.', 'load it again', reload);
        } else {
          problem.show('Could not load the latest version. ' + describe(err), reload);
        }
        // The alert was drawn again, with this button in it: keep focus on it.
        reload.focus();
      }
    });
    problem.show('This post changed since you opened it.',
      h('p', null, 'Your text is still here. Load the latest version to see what changed, then save again to replace it, or copy what you need first.'),
      reload);
  }

  ctx.main.append(
    h('h1', null, post ? 'Edit post' : 'New post'),
    h('p', null, h('a', { href: '/posts' }, 'Back to my posts')),
    status,
    problem.el,
    form,
    extra,
    latest,
  );
}
