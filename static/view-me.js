// The acting user's own profile: all a user without admin permissions sees.
import { h } from './dom.js';
import { api } from './api.js';
import { session, impersonating, displayName } from './session.js';
import { avatar, badge, pageHeader, field, input, showErrors, clearErrors, notify, facts } from './ui.js';
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
  // CONTRACT §6: set_password is refused while impersonating.
  return h('section', null, header, h('div', { class: 'columns' }, profile, impersonating() ? null : passwordCard(u)));
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
