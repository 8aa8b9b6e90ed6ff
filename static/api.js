// The page's only way to the server: the public JSON API under /api/v3.

const NOT_AUTHENTICATED = 'Authentication credentials were not provided.';

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && typeof body.detail === 'string' && body.detail) || `Request failed (${status}).`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
  get unauthenticated() {
    return this.status === 403 && this.body && this.body.detail === NOT_AUTHENTICATED;
  }
  /** `{field: [messages]}` of a 400 validation error, or null. */
  get fields() {
    if (this.status !== 400 || !this.body || typeof this.body !== 'object' || 'detail' in this.body) return null;
    return this.body;
  }
}

/** The double-submit token the server set at login (CSRF). */
function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'standin_csrf') return decodeURIComponent(v.join('='));
  }
  return '';
}

// How far the server's clock is ahead of this one, from the `Date` of its answers
// (whole seconds, so +500 ms is the best guess): the countdown of an impersonation
// runs on the server's time.
let skew = 0;

/** The server's time now, in milliseconds, as well as this page can tell. */
export const serverNow = () => Date.now() + skew;

let guard = null;
/** `fn` runs before every request not marked `unguarded`; it may throw to stop it. */
export function guardRequests(fn) {
  guard = fn;
}

/**
 * `api('GET', '/core/users/?page=2')` → parsed JSON, or null for an empty body.
 * Writes carry the CSRF header. `unguarded` skips the guard (for `me`, login, logout).
 */
export async function api(method, path, body, { unguarded = false } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET') headers['X-Standin-CSRF'] = csrfToken();
  if (guard && !unguarded) await guard();
  const res = await fetch('/api/v3' + path, init);
  const date = Date.parse(res.headers.get('Date'));
  // Only a real difference: each answer's estimate wanders by up to a second.
  if (!Number.isNaN(date) && Math.abs(date + 500 - Date.now() - skew) > 1000) skew = date + 500 - Date.now();
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: `Unexpected answer from the server (${res.status}).` };
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers.get('Retry-After'));
    // Logged out under the page (session revoked, user deactivated): back to login.
    if (err.unauthenticated && !unguarded) window.dispatchEvent(new CustomEvent('standin:unauthenticated'));
    throw err;
  }
  return data;
}

/** A query string from an object, leaving out empty values: `?a=1&b=x`. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v == null || v === '') continue;
    for (const item of [v].flat()) q.append(k, String(item));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
