// The acting user's own profile: all a user without admin permissions sees. It ends
// with who has signed in as them, and the notice after login lists the
// visits they have not acknowledged yet.
import { h, byId } from './dom.js';
import { api, qs } from './api.js';
import { session, impersonating, displayName } from './session.js';
import { avatar, badge, pageHeader, field, input, showErrors, clearErrors, notify, facts, pager, table, when, errorPanel } from './ui.js';
import { chips } from './user-form.js';
import { typeLabel } from './view-users.js';

export async function meView() {
  const u = session.me.user;
  const header = h('div', { class: 'user-header' }, avatar(u.avatar, 'lg'), pageHeader(displayName(u), '@' + u.username));
  header.querySelector('h1').id = 'user-title';
  const profile = h('div', { class: 'card', id: 'my-profile' }, h('h2', null, 'My profile'), facts([
    ['Username', u.username], ['Display name', u.name || '—'], ['Email', u.email || '—'],
    ['Type', typeLabel(u.type)],
    ['Status', [u.is_active ? badge('Active', 'ok') : badge('Inactive', 'muted'), u.is_superuser && badge('Superuser', 'accent')]],
    ['Groups', chips(u.groups)], ['Roles', chips(u.roles)],
    ['Permissions', u.system_permissions.length
      ? h('span', { class: 'chips' }, u.system_permissions.map((p) => h('code', { class: 'chip' }, p)))
      : h('span', { class: 'muted' }, 'None')],
  ]));
  // The server refuses set_password while impersonating: an impersonator never sets
  // the target's password.
  return h('section', null, header,
    h('div', { class: 'columns' }, profile, impersonating() ? null : passwordCard(u)),
    await historyCard());
}

function passwordCard(u) {
  const pw = input({ type: 'password', autocomplete: 'new-password' });
  const again = input({ type: 'password', autocomplete: 'new-password' });
  const form = h('form', { class: 'card', id: 'own-password', novalidate: true },
    h('h2', null, 'Change password'),
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: u.username, hidden: true }),
    field('password', 'New password', pw),
    field('again', 'Repeat', again),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (pw.value !== again.value) return showErrors(form, { again: ['The two passwords differ.'] });
    try {
      await api('POST', `/core/users/${u.pk}/set_password/`, { password: pw.value });
      form.reset();
      notify('Password changed. Your other sessions have ended.', 'ok');
    } catch (e) {
      showErrors(form, e);
    }
  });
  return form;
}

// ---- Who has signed in as me ----------------------------------------------------

const END_REASONS = {
  ended: 'ended by them',
  logout: 'they logged out',
  expired: 'time limit',
  idle: 'idle',
  revoked: 'revoked',
  user_changed: 'your permissions changed',
};

const who = (u) => h('span', { class: 'visitor' }, displayName(u), u.name ? h('span', { class: 'muted' }, ` @${u.username}`) : null);
const access = (v) => (v.read_only ? badge('Read-only', 'accent') : badge('Full access', 'warn'));

/** The whole history: every impersonation of the acting user, newest first. */
async function historyCard() {
  const results = h('div', { class: 'results' });
  async function load(page) {
    try {
      const data = await api('GET', '/core/users/me/impersonations/' + qs({ page: page > 1 ? page : '', page_size: 10 }));
      const rows = data.results.map((v) => h('tr', { 'data-pk': v.pk },
        h('td', { class: 'nowrap' }, when(v.started)),
        h('td', null, who(v.original)),
        h('td', { class: 'details' }, v.reason),
        h('td', null, access(v)),
        h('td', { class: 'nowrap' }, v.ended ? [when(v.ended), h('span', { class: 'muted' }, ` · ${END_REASONS[v.end_reason] || v.end_reason || ''}`)] : badge('Going on now', 'warn')),
        h('td', null, v.seen ? null : h('span', { 'data-new': '' }, badge('New', 'accent')))));
      results.replaceChildren(
        table(['When', 'Who', 'Reason', 'Access', 'Ended', ''], rows, 'Nobody has signed in as you.', { id: 'access-history-table' }),
        pager(data.pagination, load));
    } catch (e) {
      results.replaceChildren(errorPanel(e));
    }
  }
  await load(1);
  return h('div', { class: 'card card-flush history', id: 'access-history' },
    h('h2', { class: 'pad' }, 'Who has signed in as you'),
    h('p', { class: 'pad muted' }, 'Administrators may act as you for support work; each time is listed here, with the reason they gave.'),
    results);
}

/**
 * The notice after login: the visits not acknowledged yet, until "Got it". Not shown
 * while impersonating: those would be the target's, and only they may mark them seen.
 */
export const visits = {
  shown: null,

  async draw() {
    const me = session.me;
    const unseen = me && !impersonating() ? me.unseen_impersonations || 0 : 0;
    if (!unseen) return visits.clear();
    const key = `${me.user.pk}:${unseen}`;
    if (visits.shown === key && byId('visits')) return;
    let list;
    try {
      list = (await api('GET', '/core/users/me/impersonations/?page_size=20')).results.filter((v) => !v.seen);
    } catch {
      return; // the profile has the history; the notice tries again on the next screen
    }
    if (!list.length) return visits.clear();
    const seen = h('button', { type: 'button', class: 'btn btn-secondary', id: 'visits-seen', onclick: acknowledge }, 'Got it');
    const note = h('div', { class: 'notice notice-visits', id: 'visits', role: 'status', 'data-sticky': '1' },
      h('div', null,
        h('strong', null, unseen === 1 ? 'An administrator signed in as you' : `Administrators signed in as you ${unseen} times`),
        h('ul', { class: 'visit-list' }, list.map((v) => h('li', { 'data-pk': v.pk },
          who(v.original), ' — ', when(v.started), v.ended ? null : ' (going on now)', ' — ', access(v),
          h('span', { class: 'visit-reason' }, 'Reason: ', v.reason)))),
        h('p', { class: 'muted' },
          unseen > list.length ? `…and ${unseen - list.length} more. ` : null,
          'Your ', h('a', { href: '#/me' }, 'profile'), ' lists every visit. If you did not expect one, tell your administrators.')),
      seen);
    async function acknowledge() {
      seen.disabled = true;
      try {
        await api('POST', '/core/users/me/impersonations/seen/');
        session.me.unseen_impersonations = 0;
        visits.clear();
        document.querySelectorAll('#access-history-table [data-new]').forEach((b) => b.remove());
      } catch (e) {
        seen.disabled = false;
        notify(e.message, 'error');
      }
    }
    visits.clear();
    visits.shown = key;
    byId('notices').prepend(note);
  },

  clear() {
    visits.shown = null;
    const note = byId('visits');
    if (note) note.remove();
  },
};
