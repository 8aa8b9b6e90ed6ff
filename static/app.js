// The admin page: hash routes (#/users, #/users/5, …), the header, and the
// impersonation banner. Every screen is drawn from the public JSON API only.
import { h, byId } from './dom.js';
import { api, serverNow } from './api.js';
import { session, can, impersonating, readOnly, impersonationEnd, displayName, loadMe, remembered, forget } from './session.js';
import { avatar, notify, clearNotices, errorPanel } from './ui.js';
import { loginView } from './view-login.js';
import { usersView } from './view-users.js';
import { userView, newUserView } from './view-user.js';
import { meView, visits } from './view-me.js';
import { groupsView, groupView, newGroupView } from './view-groups.js';
import { rolesView, roleView, newRoleView } from './view-roles.js';
import { eventsView } from './view-events.js';
import { impersonationsView } from './view-impersonations.js';

const UUID = '([0-9a-fA-F-]{36})';
const ROUTES = [
  ['users', usersView],
  ['users/new', newUserView],
  ['users/(\\d+)', userView],
  ['groups', groupsView],
  ['groups/new', newGroupView],
  [`groups/${UUID}`, groupView],
  ['roles', rolesView],
  ['roles/new', newRoleView],
  [`roles/${UUID}`, roleView],
  ['events', eventsView],
  ['impersonations', impersonationsView],
  ['me', meView],
].map(([pattern, view]) => [new RegExp(`^${pattern}$`), view]);

const NAV = [
  ['users', 'Users', 'core.view_user'],
  ['groups', 'Groups', 'core.view_group'],
  ['roles', 'Roles', 'rbac.view_role'],
  ['events', 'Audit log', 'events.view_event'],
  ['impersonations', 'Impersonations', 'core.view_impersonation'],
];

const ENDED = 'The impersonation has ended (expired or revoked).';
const READ_ONLY = 'This impersonation is read-only.';

/** `#/users?search=x` → {path: 'users', query: URLSearchParams}. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path.replace(/\/$/, ''), query: new URLSearchParams(query) };
}

const home = () => (can('core.view_user') ? 'users' : 'me');

/**
 * Where a proxy's sign-in start sent the browser from (`/admin/?next=…`): once
 * signed in, the page goes back to that start, which returns to the app.
 * Any other `next` is ignored, so the page never sends anyone elsewhere.
 */
function signInStart() {
  const next = new URLSearchParams(location.search).get('next');
  return next && /^\/outpost\.goauthentik\.io\/start(?:[?#]|$)/.test(next) ? next : null;
}

let renderSeq = 0;

/** Draws the screen for the current hash, after asking the server who we are. */
export async function render() {
  const seq = ++renderSeq;
  const main = byId('main');
  clearNotices();
  let ended;
  try {
    ended = await loadMe();
  } catch (e) {
    main.replaceChildren(errorPanel(e));
    return;
  }
  if (seq !== renderSeq) return;
  if (ended) notify(ENDED, 'warn', { id: 'ended' });
  drawChrome();
  if (!session.me) {
    visits.clear();
    main.replaceChildren(loginView(render));
    return;
  }
  const start = signInStart();
  if (start) {
    // Back (history) then leads to the page itself, not into the start again.
    history.replaceState(null, '', location.pathname + location.hash);
    location.assign(start);
    return;
  }
  let { path, query } = parseHash();
  let found = ROUTES.find(([re]) => re.test(path));
  if (!found) {
    path = home();
    history.replaceState(null, '', '#/' + path);
    found = ROUTES.find(([re]) => re.test(path));
  }
  const [re, view] = found;
  const params = path.match(re).slice(1);
  main.setAttribute('aria-busy', 'true');
  let screen;
  try {
    await visits.draw();
    if (seq !== renderSeq) return;
    // The create screens are nothing but a form: none while only looking.
    if (readOnly() && path.endsWith('/new')) throw Object.assign(new Error(READ_ONLY), { status: 403 });
    screen = await view({ params, query, rerender: render });
  } catch (e) {
    if (seq !== renderSeq) return;
    screen = errorPanel(e);
  }
  if (seq !== renderSeq) return;
  main.replaceChildren(screen);
  main.removeAttribute('aria-busy');
  markNav(path);
}

function drawChrome() {
  const me = session.me;
  byId('topbar').hidden = !me;
  drawBanner();
  if (!me) return;
  const item = (path, label) => h('a', { href: '#/' + path, 'data-nav': path, onclick: again }, label);
  const links = NAV.filter(([, , perm]) => can(perm)).map(([path, label]) => item(path, label));
  byId('nav').replaceChildren(...links, item('me', 'My profile'));
  byId('whoami').replaceChildren(
    avatar(me.user.avatar),
    h('span', { class: 'whoami-name' }, displayName(me.user)),
    h('button', { type: 'button', class: 'btn btn-ghost', id: 'logout', onclick: logout }, 'Log out'));
}

/** A link to the screen already shown reloads it (no hashchange would). */
function again(ev) {
  if (location.hash === ev.currentTarget.getAttribute('href')) {
    ev.preventDefault();
    render();
  }
}

function markNav(path) {
  const top = path.split('/')[0];
  for (const a of byId('nav').querySelectorAll('a')) {
    if (a.dataset.nav === top) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function logout() {
  try {
    await api('POST', '/auth/logout/', undefined, { unguarded: true });
  } catch (e) {
    notify(e.message, 'error');
  }
  forget();
  session.me = null;
  history.replaceState(null, '', '#/');
  render();
}

// ---- Impersonation banner -------------------------------------------------------

let ticker = null;
// The end the page last asked the server about: asked once, not again every tick.
let checkedEnd = null;

function drawBanner() {
  const banner = byId('banner');
  clearInterval(ticker);
  ticker = null;
  if (!impersonating()) {
    banner.hidden = true;
    banner.replaceChildren();
    document.body.classList.remove('impersonating', 'read-only');
    return;
  }
  const me = session.me;
  const info = remembered();
  const reason = me.impersonation ? me.impersonation.reason : info && info.target === me.user.pk ? info.reason : null;
  const left = h('span', { class: 'countdown', id: 'countdown' });
  const why = h('span', { class: 'countdown-why', id: 'countdown-why', hidden: true }, ' (idle limit)');
  banner.replaceChildren(
    h('span', { class: 'banner-text' },
      'You are impersonating ', h('strong', { id: 'banner-name' }, displayName(me.user)),
      reason ? [' (', h('span', { id: 'banner-reason' }, reason), ')'] : null,
      readOnly() ? [' ', h('span', { class: 'banner-mode', id: 'banner-read-only', title: 'You can look, but every change is refused.' }, 'read-only')] : null,
      impersonationEnd() ? [' — ', left, why] : null,
      ' — '),
    h('button', { type: 'button', class: 'btn btn-banner', id: 'end-impersonation', onclick: endImpersonation }, 'End impersonation'));
  banner.hidden = false;
  document.body.classList.add('impersonating');
  document.body.classList.toggle('read-only', readOnly());
  if (!impersonationEnd()) return;
  // `me` is reloaded before every request while impersonating (session.js), so each
  // tick reads the latest end: activity pushes the idle limit back.
  const target = me.user.pk;
  const tick = () => {
    const end = impersonationEnd();
    if (!end) return;
    const ms = Math.max(0, end.at - serverNow());
    const s = Math.floor(ms / 1000);
    left.textContent = `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} left`;
    why.hidden = !end.idle;
    why.title = end.idle ? 'Ends this soon unless you use the page; any request counts.' : '';
    if (ms === 0 && checkedEnd !== end.at) {
      checkedEnd = end.at;
      // The server ends it on the first request after its end: give the clocks a moment.
      setTimeout(() => {
        if (impersonating() && session.me.user.pk === target) render();
      }, 2000);
    }
  };
  tick();
  ticker = setInterval(tick, 1000);
}

async function endImpersonation() {
  const target = session.me.user.pk;
  try {
    await api('GET', '/core/users/impersonate_end/', undefined, { unguarded: true });
  } catch (e) {
    notify(e.message, 'error');
    return;
  }
  forget();
  session.me = null; // ended on purpose: the next `me` must not read as "ended by the server"
  // Back to the admin's own view of the user they were acting as.
  const to = `#/users/${target}`;
  if (location.hash === to) render();
  else location.hash = to;
}

window.addEventListener('hashchange', render);
window.addEventListener('standin:unauthenticated', () => render());
// A write found the impersonation over (session.js): that check already read `me`.
window.addEventListener('standin:ended', async () => {
  await render();
  notify(ENDED, 'warn', { id: 'ended' });
});
render();
