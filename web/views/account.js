// @ts-check
// Who you are, how you are signed in, and signing out (here, or everywhere).
import { api, signOut, signOutEverywhere } from '../latchkey.js';
import { h, time, alertBox, describe, confirmAction, uid } from '../ui.js';

/** @param {import('../app.js').Context} ctx */
export async function accountView(ctx) {
  const me = /** @type {import('../latchkey.js').Me} */ (ctx.me);
  const problem = alertBox();
  /** @type {import('../latchkey.js').Session[]} */
  let sessions = [];
  try {
    sessions = (await api.get('/api/sessions', { signal: ctx.signal })).sessions;
  } catch (err) {
    if (ctx.signal.aborted) return;
    problem.show('Could not read your sessions. ' + describe(err));
  }
  const current = sessions.find((s) => s.current);
  const how = me.auth.method === 'session'
    ? ['A browser session: a cookie that scripts cannot read, sent only to this site',
      current ? h('span', null, ', started ', time(current.createdAt), ', ending by ', time(current.expiresAt)) : null, '.']
    : ['An API key.'];

  const out = h('button', { type: 'button', className: 'button secondary' }, 'Sign out');
  const everywhere = h('button', { type: 'button', className: 'button danger' }, 'Sign out everywhere');
  out.addEventListener('click', async () => {
    out.disabled = true;
    try {
      // The browser goes on to the provider's sign-out page when it has one.
      if (await signOut()) return;
      await ctx.refreshMe();
      ctx.navigate('/', { message: 'You are signed out.' });
    } catch (err) {
      problem.show('Could not sign out. ' + describe(err));
      out.disabled = false;
    }
  });
  everywhere.addEventListener('click', async () => {
    const n = sessions.length;
    const revoke = h('input', { type: 'checkbox', id: uid('revoke-keys') });
    const ok = await confirmAction({
      title: 'Sign out everywhere?',
      message: [
        h('p', null, `This ends ${n === 1 ? 'your only session' : `all ${n || 'your'} sessions`}, on every device and browser, this one included. ` +
          'Your API keys keep working unless you revoke them too.'),
        h('div', { className: 'radio' }, revoke, h('label', { for: revoke.id }, 'Also revoke all my API keys')),
      ],
      confirm: 'Sign out everywhere',
      danger: true,
    });
    if (!ok) return;
    try {
      await signOutEverywhere({ revokeKeys: revoke.checked });
      await ctx.refreshMe();
      ctx.navigate('/', { message: 'You are signed out on every device.' });
    } catch (err) {
      problem.show('Could not sign out everywhere. ' + describe(err));
    }
  });

  ctx.main.append(
    h('h1', null, 'Account'),
    problem.el,
    h('dl', { className: 'facts' },
      h('dt', null, 'Name'), h('dd', null, me.user.name || '—'),
      h('dt', null, 'Email'), h('dd', null, me.user.email || '—'),
      h('dt', null, 'Roles'), h('dd', null, me.user.roles.length ? me.user.roles.join(', ') : 'None: you can write your own posts'),
      h('dt', null, 'Signed in with'), h('dd', null, how),
      h('dt', null, 'User ID'), h('dd', null, h('code', null, me.user.id))),
    h('h2', null, 'Sign out'),
    h('p', null, '“Sign out” ends the session of this browser. “Sign out everywhere” ends every session you have, for example if you left one open on a shared computer.'),
    h('div', { className: 'actions' }, out, everywhere),
  );
}
