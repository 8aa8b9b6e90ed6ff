// Who is logged in (from `me`), what they may do, and the impersonation the page
// started. Nothing secret is kept in the browser: the session cookie is HttpOnly, and
// sessionStorage only holds the impersonation's target and reason.
import { api, ApiError, guardRequests } from './api.js';

const KEY = 'standin.impersonation';

export const session = { me: null };

export const impersonating = () => !!(session.me && session.me.original);
/** A read-only impersonation runs: the server refuses every write. */
export const readOnly = () => impersonating() && !!(session.me.impersonation && session.me.impersonation.read_only);

/**
 * Whether the acting user may do `perm` (superusers hold all). While a
 * read-only impersonation runs only the `view_` codenames count, so every screen
 * leaves out its write controls the way it does for someone without the permission.
 */
export function can(perm) {
  if (!session.me || !session.me.user.system_permissions.includes(perm)) return false;
  return !readOnly() || /\.view_/.test(perm);
}

/**
 * When the running impersonation ends if nothing happens: its hard limit or its idle
 * limit, whichever comes first (server time, ms), and which one it is; null if unknown.
 */
export function impersonationEnd() {
  const imp = session.me && session.me.impersonation;
  if (!imp) return null;
  const hard = Date.parse(imp.expires);
  const idle = imp.idle_expires ? Date.parse(imp.idle_expires) : NaN;
  if (!Number.isNaN(idle) && (Number.isNaN(hard) || idle < hard)) return { at: idle, idle: true };
  return Number.isNaN(hard) ? null : { at: hard, idle: false };
}
export const displayName = (u) => (u && (u.name || u.username)) || '';

/** {target, reason} remembered when this tab started the impersonation. */
export function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}
export const remember = (v) => sessionStorage.setItem(KEY, JSON.stringify(v));
export const forget = () => sessionStorage.removeItem(KEY);

/**
 * Reloads `me`. Returns whether an impersonation the page believed in has ended
 * without the page ending it (expired, revoked): the server ends those on the next
 * request, so `me` is how the page notices.
 */
let checked = 0;

export async function loadMe() {
  const believed = impersonating() || !!remembered();
  let me = null;
  try {
    me = await api('GET', '/core/users/me/', undefined, { unguarded: true });
    checked = Date.now();
  } catch (e) {
    if (!(e instanceof ApiError && e.unauthenticated)) throw e;
  }
  session.me = me;
  const ended = believed && !(me && me.original);
  if (ended) forget();
  return ended;
}

/** Thrown instead of a request when the impersonation ended under the page's feet. */
export class ImpersonationEnded extends Error {
  constructor() {
    super('The impersonation has ended (expired or revoked); nothing was sent.');
  }
}

// While impersonating, check that it still runs before each request: once the server
// has ended it, the same cookie acts as the admin again, and a change or a read meant
// for the target's view must not go out as the admin. A screen's own requests, made
// right after its `me`, share that check.
guardRequests(async () => {
  if (!impersonating() || Date.now() - checked < 200) return;
  const ended = await loadMe();
  if (ended) {
    window.dispatchEvent(new CustomEvent('standin:ended'));
    throw new ImpersonationEnded();
  }
});
