// @ts-check
// The published posts, page by page: what anyone sees, signed in or not.
import { api, signInURL } from '../latchkey.js';
import { h, announce, time, alertBox, describe } from '../ui.js';

const pageSize = 10;

/** @param {import('../app.js').Context} ctx */
export async function homeView(ctx) {
  const list = h('ol', { className: 'posts' });
  const more = h('button', { type: 'button', className: 'button secondary', hidden: true }, 'More posts');
  const problem = alertBox();
  const intro = ctx.me
    ? h('p', null, 'Posts that editors have published. Anyone can read them, signed in or not.')
    : h('div', { className: 'intro' },
      h('p', null, 'Latchkey gives an API single sign-on for browsers and API keys for scripts. Sign in to create API keys, see your sessions and write posts.'),
      h('p', null, h('a', { className: 'button primary', href: signInURL() }, 'Sign in')));
  ctx.main.append(h('h1', null, 'Published posts'), intro, problem.el, list, more);

  let cursor = '';
  async function load() {
    problem.clear();
    more.disabled = true;
    try {
      /** @type {import('../latchkey.js').Page<import('../latchkey.js').PostSummary>} */
      const page = await api.get('/api/public/posts', { query: { limit: pageSize, cursor: cursor || undefined }, signal: ctx.signal, signIn: false });
      const first = list.children.length;
      for (const post of page.posts) list.append(postItem(post, problem));
      cursor = page.next || '';
      more.hidden = !cursor;
      if (!list.children.length) list.replaceWith(h('p', null, 'No posts are published yet.'));
      if (first > 0) {
        announce(`${page.posts.length} more posts.`);
        // Keyboard users continue where the new posts start.
        /** @type {HTMLElement | null} */ (list.children[first]?.querySelector('h2'))?.focus();
      }
    } catch (err) {
      if (ctx.signal.aborted) return;
      problem.show('Could not load the posts. ' + describe(err));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  await load();
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
