// @ts-check
// The published posts, page by page: what anyone sees, signed in or not.
import { api, signInURL } from '../latchkey.js';
import { h, announce, time, alertBox, describe, pager } from '../ui.js';

const pageSize = 10;

/** @param {import('../app.js').Context} ctx */
export async function homeView(ctx) {
  const list = h('ol', { className: 'posts' });
  const problem = alertBox();
  const intro = ctx.me
    ? h('p', null, 'Posts that editors have published. Anyone can read them, signed in or not.')
    : h('div', { className: 'intro' },
      h('p', null, 'Latchkey gives an API single sign-on for browsers and API keys for scripts. Sign in to create API keys, see your sessions and write posts.'),
      h('p', null, h('a', { className: 'button primary', href: signInURL() }, 'Sign in')));
  const posts = pager({
    label: 'More posts', failure: 'Could not load the posts.', problem, signal: ctx.signal,
    fetch: async (cursor) => {
      /** @type {import('../latchkey.js').Page<import('../latchkey.js').PostSummary>} */
      const page = await api.get('/api/public/posts', { query: { limit: pageSize, cursor }, signal: ctx.signal, signIn: false });
      return { items: page.posts, next: page.next };
    },
    add: (post) => list.append(postItem(post, problem)),
    after: (first, added) => {
      if (!list.children.length) list.replaceWith(h('p', null, 'No posts are published yet.'));
      if (first > 0) {
        announce(`${added} more posts.`);
        // Keyboard users continue where the new posts start.
        /** @type {HTMLElement | null} */ (list.children[first]?.querySelector('h2'))?.focus();
      }
    },
  });
  ctx.main.append(h('h1', null, 'Published posts'), intro, problem.el, list, posts.more);
  await posts.load();
}

/**
 * A post of the listing: its excerpt, and when the body goes on, a button
 * that reads the whole post in its place.
 * @param {import('../latchkey.js').PostSummary} post
 * @param {import('../ui.js').AlertBox} problem
 */
function postItem(post, problem) {
  const text = h('p', { className: 'body', tabIndex: -1 }, post.truncated ? post.excerpt + '…' : post.excerpt);
  const article = h('article', null,
    h('h2', { tabIndex: -1 }, post.title),
    h('p', { className: 'meta' }, 'Published ', time(post.publishedAt)),
    text);
  if (post.truncated) {
    const whole = h('button', { type: 'button', className: 'button secondary small', 'aria-label': `Read the whole post “${post.title}”` }, 'Read the whole post');
    const row = h('p', null, whole);
    whole.addEventListener('click', async () => {
      whole.disabled = true;
      problem.clear();
      try {
        /** @type {import('../latchkey.js').Post} */
        const full = await api.get(`/api/public/posts/${encodeURIComponent(post.id)}`, { signIn: false });
        text.textContent = full.body;
        row.remove();
        // The button is gone: reading goes on at the text it brought.
        text.focus();
      } catch (err) {
        problem.show(`Could not load “${post.title}”. ` + describe(err, { 404: 'This post is no longer published.' }));
        whole.disabled = false;
      }
    });
    article.append(row);
  }
  return h('li', null, article);
}
