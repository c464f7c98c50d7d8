// @ts-check
/**
 * Latchkey's client for single-page apps served from the same origin as the
 * API (the Latchkey console uses it; so can your own app). It wraps fetch():
 *
 * - sends `Accept: application/json` and the session cookie (same-origin
 *   credentials; the cookie is HttpOnly, so no script ever reads it);
 * - encodes a JSON body and decodes a JSON answer;
 * - turns the API's error shape `{"error": code, "message": text}` into a
 *   {@link LatchkeyError} with `status`, `code` and `message`;
 * - on 401, sends the browser to sign in, coming back to the current view
 *   (`return_to`), unless you pass `signIn: false`;
 * - on 429 and 503, waits as `Retry-After` says and tries again (twice by
 *   default; Latchkey answers these before it acts, so a retry never does a
 *   thing twice), then gives up with the error, whose `retryAfter` says how
 *   long to wait.
 *
 * @example
 * import { api, me, LatchkeyError } from '/latchkey.js';
 *
 * const who = await me();                  // null when signed out
 * if (!who) location.assign(signInURL());
 * const { posts } = await api.get('/api/posts', { query: { limit: 10 } });
 * try {
 *   await api.put(`/api/posts/${id}`, { title, body, version });
 * } catch (err) {
 *   if (err instanceof LatchkeyError && err.status === 409) { … }
 * }
 *
 * @module latchkey
 */

/**
 * @typedef {object} RequestOptions
 * @property {string} [method] HTTP method; GET by default.
 * @property {unknown} [body] Sent as JSON with `Content-Type: application/json`.
 * @property {Record<string, string | number | boolean | undefined>} [query]
 *   Query parameters; undefined values are left out.
 * @property {AbortSignal} [signal] Aborts the request and any wait before a retry.
 * @property {boolean} [signIn] On 401, go to sign-in (default true). Pass
 *   false where being signed out is an answer, not a failure.
 * @property {number} [retries] How many times to retry a 429 or 503 (default 2).
 * @property {number} [maxWait] The longest Retry-After, in seconds, worth
 *   waiting for (default 10); a longer one fails at once with `retryAfter` set.
 */

/**
 * @typedef {object} User
 * @property {string} id
 * @property {string} email
 * @property {string} name
 * @property {string[]} roles For example `["editor"]`.
 */

/**
 * @typedef {object} Me The answer of `GET /api/me`.
 * @property {User} user
 * @property {{method: 'session' | 'apikey', keyId?: string, permissions: string[]}} auth
 */

/**
 * @typedef {object} Key An API key as the API shows it: never its secret.
 * @property {string} id
 * @property {string} label
 * @property {string} hint The key's prefix and last four characters.
 * @property {string[]} permissions `["read"]` or `["read", "write"]`.
 * @property {'live' | 'test'} environment
 * @property {string} createdAt RFC 3339.
 * @property {string} [expiresAt] Absent: the key never expires.
 * @property {string} [lastUsedAt] Recorded at most once a minute.
 * @property {string} [previousExpiresAt] After a regeneration with a grace
 *   period: when the old secret stops working.
 * @property {string[]} allowedCidrs The addresses (CIDR prefixes) the key
 *   may be used from; empty: any address.
 * @property {{at: string, reason: string, url?: string, source?: string}} [revoked]
 *   Set when the key was revoked for good, e.g. because GitHub found its
 *   secret in public at `url`: it no longer works and cannot be regenerated.
 */

/**
 * @typedef {object} KeyUsage The answer of `GET /api/keys/{id}/usage`: the
 *   key's requests on each of the last 30 UTC days, oldest first.
 * @property {{date: string, requests: number}[]} days `date` is `2026-11-30`.
 * @property {number} total
 */

/**
 * @typedef {Key & {key: string}} KeyWithSecret The answer of creating or
 *   regenerating a key: `key` is the secret, shown this once.
 */

/**
 * @typedef {object} Session
 * @property {string} id
 * @property {string} createdAt
 * @property {string} lastSeenAt
 * @property {string} expiresAt
 * @property {string} userAgent
 * @property {boolean} current True for the session making the request.
 */

/**
 * @typedef {object} Post
 * @property {string} id
 * @property {string} title
 * @property {string} body
 * @property {string} authorId
 * @property {'draft' | 'published'} status
 * @property {number} version Send it back with an edit (optimistic concurrency).
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {string} [publishedAt]
 */

/**
 * A post as the listings give it: no body, but its first 300 characters.
 * @typedef {object} PostSummary
 * @property {string} id
 * @property {string} title
 * @property {string} excerpt The body's first 300 characters.
 * @property {boolean} truncated True when the body goes on; `GET
 *   /api/posts/{id}` (or `/api/public/posts/{id}`) has all of it.
 * @property {string} [authorId] Absent from `GET /api/public/posts`.
 * @property {'draft' | 'published'} status
 * @property {number} version
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {string} [publishedAt]
 */

/**
 * @template T
 * @typedef {{posts: T[], next?: string}} Page A page of a listing; pass
 *   `next` as `cursor` for the following one.
 */

/** An answer of the API that is not a success. */
export class LatchkeyError extends Error {
  /**
   * @param {number} status HTTP status; 0 when the API could not be reached.
   * @param {string} code The API's error code (`not_found`, `conflict`, …).
   * @param {string} message Words safe to show a person.
   * @param {number} [retryAfter] Seconds to wait before trying again (429, 503).
   */
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'LatchkeyError';
    /** @type {number} */
    this.status = status;
    /** @type {string} */
    this.code = code;
    /** @type {number | undefined} */
    this.retryAfter = retryAfter;
  }
}

/** The view to come back to after signing in: this page's path and query. */
export function currentView() {
  return location.pathname + location.search;
}

/**
 * The address that starts signing in and comes back to returnTo (a path on
 * this origin; the server refuses anything else and uses "/"). With
 * `reauth`, the identity provider is asked to have the person sign in again
 * even if it still knows them: the API answers 403 `reauth_required` to an
 * action that needs a recent sign-in (making or regenerating a key).
 * @param {string} [returnTo]
 * @param {{reauth?: boolean}} [o]
 */
export function signInURL(returnTo = currentView(), o = {}) {
  return '/api/auth/login?return_to=' + encodeURIComponent(returnTo) + (o.reauth ? '&reauth=1' : '');
}

/**
 * Sends the browser to sign in.
 * @param {string} [returnTo]
 */
export function signIn(returnTo) {
  location.assign(signInURL(returnTo));
}

/**
 * Seconds from a Retry-After header (delay-seconds or an HTTP date).
 * @param {string | null} value
 * @returns {number | undefined}
 */
export function parseRetryAfter(value) {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v);
  // An HTTP date starts with the day's name ("Sun, 06 Nov 1994 08:49:37 GMT").
  if (!/^[A-Z][a-z]{2,8}, /.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * Reads an error answer into a LatchkeyError.
 * @param {Response} res
 */
async function errorOf(res) {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  let code = 'http_' + res.status;
  let message = res.statusText || 'request failed';
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') code = body.error;
    if (body && typeof body.message === 'string') message = body.message;
  } catch {
    // Not the API's JSON (a proxy's page): keep the status.
  }
  return new LatchkeyError(res.status, code, message, retryAfter);
}

/**
 * Calls the API. Resolves with the decoded JSON answer (undefined for 204);
 * rejects with a {@link LatchkeyError}.
 * @template [T=any]
 * @param {string} path A path on this origin, such as `/api/keys`.
 * @param {RequestOptions} [options]
 * @returns {Promise<T>}
 */
export async function request(path, options = {}) {
  const { method = 'GET', body, query, signal, signIn: goSignIn = true, retries = 2, maxWait = 10 } = options;
  const url = new URL(path, location.origin);
  if (url.origin !== location.origin) {
    throw new TypeError('latchkey: request() only calls this origin, not ' + url.origin);
  }
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new LatchkeyError(0, 'network', 'Latchkey could not be reached; check the connection and try again');
    }
    if (res.ok) {
      if (res.status === 204) return /** @type {T} */ (undefined);
      return res.json();
    }
    if ((res.status === 429 || res.status === 503) && attempt < retries) {
      const wait = parseRetryAfter(res.headers.get('Retry-After')) ?? 2 ** attempt;
      if (wait <= maxWait) {
        await res.body?.cancel();
        await sleep(wait * 1000, signal);
        continue;
      }
    }
    const err = await errorOf(res);
    if (res.status === 401 && goSignIn) signIn();
    throw err;
  }
}

/** Shorthands for {@link request}, one per method. */
export const api = {
  /** @template [T=any] @param {string} path @param {RequestOptions} [o] @returns {Promise<T>} */
  get: (path, o) => request(path, { ...o, method: 'GET' }),
  /** @template [T=any] @param {string} path @param {unknown} [body] @param {RequestOptions} [o] @returns {Promise<T>} */
  post: (path, body, o) => request(path, { ...o, method: 'POST', body }),
  /** @template [T=any] @param {string} path @param {unknown} body @param {RequestOptions} [o] @returns {Promise<T>} */
  put: (path, body, o) => request(path, { ...o, method: 'PUT', body }),
  /** @template [T=any] @param {string} path @param {unknown} body @param {RequestOptions} [o] @returns {Promise<T>} */
  patch: (path, body, o) => request(path, { ...o, method: 'PATCH', body }),
  /** @param {string} path @param {RequestOptions} [o] @returns {Promise<void>} */
  del: (path, o) => request(path, { ...o, method: 'DELETE' }),
};

/**
 * Who is signed in: the answer of `GET /api/me`, or null when nobody is.
 * @param {{signal?: AbortSignal}} [o]
 * @returns {Promise<Me | null>}
 */
export async function me(o = {}) {
  try {
    return await request('/api/me', { signal: o.signal, signIn: false });
  } catch (err) {
    if (err instanceof LatchkeyError && err.status === 401) return null;
    throw err;
  }
}

/**
 * Signs out of this browser: ends the session and clears its cookie. When
 * the identity provider has a sign-out page, the browser goes there next
 * (and comes back to "/"), and the promise resolves with true; otherwise
 * with false, and the page is still here to show it.
 * @returns {Promise<boolean>}
 */
export async function signOut() {
  /** @type {{endSessionUrl?: string}} */
  const out = await request('/api/auth/logout', { method: 'POST', signIn: false });
  if (out && out.endSessionUrl) {
    location.assign(out.endSessionUrl);
    return true;
  }
  return false;
}

/**
 * Ends every session of the signed-in user, this one included; with
 * `revokeKeys`, revokes every API key of theirs too.
 * @param {{revokeKeys?: boolean}} [o]
 */
export async function signOutEverywhere(o = {}) {
  await request('/api/auth/logout-all', { method: 'POST', signIn: false, body: o.revokeKeys ? { revokeKeys: true } : undefined });
}
