// @ts-check
// Says so when the console cannot start. index.html loads this small
// classic script before the app's modules: if one of them fails to load or
// to link (a network error, or a browser that mixes a new view with an old
// cached module after a deploy) before app.js marks the page started, or if
// the page has not started after a while, "Loading…" becomes an alert with
// a Reload button. Once app.js runs, the app draws the page and this script
// does nothing more.
(() => {
  const waitMs = 10000;

  /** Whether app.js has run (it sets data-started on <html>). */
  const started = () => document.documentElement.hasAttribute('data-started');

  let shown = false;
  function fail() {
    if (shown || started()) return;
    const main = document.getElementById('main');
    if (!main) return;
    shown = true;
    const heading = document.createElement('h1');
    heading.textContent = 'Could not load the page';
    const alert = document.createElement('div');
    alert.className = 'alert';
    alert.setAttribute('role', 'alert');
    const what = document.createElement('p');
    what.textContent = 'The Latchkey console could not start: part of the page did not load.';
    const how = document.createElement('p');
    how.textContent = 'Reload the page to try again. Nothing has changed in your account.';
    const reload = document.createElement('button');
    reload.type = 'button';
    reload.className = 'button primary';
    reload.textContent = 'Reload';
    reload.addEventListener('click', () => location.reload());
    const actions = document.createElement('p');
    actions.append(reload);
    alert.append(what, how, actions);
    main.replaceChildren(heading, alert);
    main.removeAttribute('aria-busy');
  }

  // A module that fails to load fires "error" at its <script> element (which
  // does not bubble, so it is caught on the way down); one that fails to
  // link or run fires "error" at the window.
  window.addEventListener('error', (event) => {
    if (event.target instanceof HTMLScriptElement || event instanceof ErrorEvent) fail();
  }, true);
  setTimeout(fail, waitMs);
})();
