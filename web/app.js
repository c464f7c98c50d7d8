// The page's script: shows who is signed in and lists published posts, page
// by page. It builds the DOM with textContent, never innerHTML, so post
// content cannot inject markup.
import { showAccount } from './account.js';

const list = document.getElementById('posts');
const status = document.getElementById('status');
const more = document.getElementById('more');
let cursor = '';

async function load() {
  const url = new URL('/api/public/posts', location.origin);
  url.searchParams.set('limit', '10');
  if (cursor) url.searchParams.set('cursor', cursor);
  status.textContent = 'Loading…';
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || res.statusText);
    for (const post of body.posts) {
      const item = document.createElement('li');
      const title = document.createElement('h2');
      title.textContent = post.title;
      const meta = document.createElement('p');
      meta.className = 'meta';
      meta.textContent = 'Published ' + new Date(post.publishedAt).toLocaleString();
      const text = document.createElement('p');
      text.textContent = post.body;
      item.append(title, meta, text);
      list.append(item);
    }
    cursor = body.next || '';
    more.hidden = !cursor;
    status.textContent = list.children.length ? '' : 'No posts yet.';
  } catch (err) {
    status.textContent = 'Could not load posts: ' + err.message;
  }
}

more.addEventListener('click', load);
load();
showAccount().catch((err) => { status.textContent = 'Could not check the session: ' + err.message; });
