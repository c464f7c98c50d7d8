// Who is signed in. The session cookie is HttpOnly and SameSite=Strict: this
// script never sees it, and the page loads without it (after the identity
// provider's cross-site redirect the browser does not send it on the
// navigation); same-origin fetches like these carry it.
const signIn = document.getElementById('sign-in');
const who = document.getElementById('who');
const signOut = document.getElementById('sign-out');

export async function showAccount() {
  const res = await fetch('/api/me', { headers: { Accept: 'application/json' } });
  if (res.status === 401) {
    signIn.hidden = false;
    who.hidden = true;
    signOut.hidden = true;
    return null;
  }
  if (!res.ok) throw new Error('GET /api/me answered ' + res.status);
  const me = await res.json();
  who.textContent = 'Signed in as ' + me.user.name + ' (' + me.user.email + ')' +
    (me.user.roles.length ? ', ' + me.user.roles.join(', ') : '');
  who.hidden = false;
  signOut.hidden = false;
  signIn.hidden = true;
  return me;
}

signOut.addEventListener('click', async () => {
  // A same-origin POST: the browser adds Origin, which the API checks.
  const res = await fetch('/api/auth/logout', { method: 'POST' });
  const body = await res.json().catch(() => ({}));
  if (body.endSessionUrl) {
    location.assign(body.endSessionUrl);
    return;
  }
  await showAccount();
});
