// One user: view and edit, groups and roles, set password, (de)activate, delete,
// impersonate; and the create screen. Controls follow `system_permissions`.
import { h } from './dom.js';
import { api } from './api.js';
import { session, can, impersonating, displayName, loadMe, remember } from './session.js';
import { avatar, badge, pageHeader, button, link, field, input, showErrors, clearErrors, openDialog, confirmDialog, withFreshPassword, notify, facts, when } from './ui.js';
import { userFields, loadChoices, chips } from './user-form.js';
import { typeLabel } from './view-users.js';

export async function userView({ params, rerender }) {
  const pk = Number(params[0]);
  const editable = can('core.change_user');
  const [user, choices] = await Promise.all([
    api('GET', `/core/users/${pk}/`),
    editable ? loadChoices() : { groups: null, roles: null },
  ]);
  const me = session.me.user;
  const self = user.pk === me.pk;
  const acting = impersonating();

  const actions = [
    (can('core.impersonate') || can('core.impersonate_read_only')) && !acting && !self && (!user.is_superuser || me.is_superuser)
      && button('Impersonate', () => impersonate(user), 'primary', { id: 'impersonate' }),
    (can('core.reset_user_password') || self) && !acting
      && button('Set password', () => setPassword(user), 'secondary', { id: 'set-password' }),
    editable && !self && button(user.is_active ? 'Deactivate' : 'Activate', () => setActive(user, !user.is_active, rerender), 'secondary', { id: 'toggle-active' }),
    can('core.delete_user') && !acting && !self && button('Delete', () => remove(user), 'danger', { id: 'delete-user' }),
  ];
  const header = h('div', { class: 'user-header' },
    avatar(user.avatar, 'lg'),
    pageHeader(displayName(user), null, actions));
  header.querySelector('h1').id = 'user-title';
  header.querySelector('.page-header > div').append(h('p', { class: 'muted' },
    h('span', { id: 'user-username' }, '@' + user.username), ' ',
    user.is_active ? badge('Active', 'ok') : badge('Inactive', 'muted'),
    user.is_superuser && badge('Superuser', 'accent'), badge(typeLabel(user.type))));

  const meta = h('div', { class: 'card' }, h('h2', null, 'Record'), facts([
    ['ID', String(user.pk)], ['UUID', h('code', null, user.uuid)], ['UID', h('code', { class: 'wrap' }, user.uid)],
    ['Joined', when(user.date_joined)], ['Last updated', when(user.last_updated)],
    ['Password changed', when(user.password_change_date)], ['Last login', when(user.last_login)],
  ]));

  let body;
  if (editable) {
    const { cards, read } = userFields(user, choices);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-user' }, 'Save changes');
    const form = h('form', { id: 'user-form', novalidate: true },
      h('div', { class: 'columns' }, cards[0], h('div', null, cards[1], meta)),
      h('div', { class: 'form-actions' }, submit, button('Discard changes', () => rerender(), 'ghost')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      submit.disabled = true;
      try {
        await api('PATCH', `/core/users/${pk}/`, read(form));
        await rerender();
        notify('Saved.', 'ok', { id: 'saved' });
      } catch (e) {
        showErrors(form, e);
      } finally {
        submit.disabled = false;
      }
    });
    body = form;
  } else {
    body = h('div', { class: 'columns' },
      h('div', { class: 'card' }, h('h2', null, 'Profile'), facts([
        ['Username', user.username], ['Display name', user.name || '—'], ['Email', user.email || '—'],
        ['Path', user.path], ['Type', typeLabel(user.type)], ['Active', user.is_active ? 'Yes' : 'No'],
        ['Attributes', h('pre', { class: 'mono' }, JSON.stringify(user.attributes, null, 2))],
      ])),
      h('div', null, h('div', { class: 'card' }, h('h2', null, 'Access'),
        facts([['Groups', chips(user.groups_obj)], ['Roles', chips(user.roles_obj)]])), meta));
  }
  return h('section', { class: 'user-page', 'data-pk': pk }, h('p', { class: 'crumbs' }, h('a', { href: '#/users' }, '← Users')), header, body);
}

export async function newUserView() {
  const choices = await loadChoices();
  const { cards, read } = userFields(null, choices, { create: true });
  const form = h('form', { id: 'user-form', novalidate: true },
    h('div', { class: 'columns' }, cards[0], cards[1]),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-user' }, 'Create user'),
      link('Cancel', '#/users', 'ghost')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const created = await api('POST', '/core/users/', read(form));
      const password = form.elements.namedItem('password').value;
      if (password) {
        try {
          await api('POST', `/core/users/${created.pk}/set_password/`, { password });
        } catch (e) {
          notify(`The user was created, but the password was not set: ${e.message}`, 'error', { sticky: true });
        }
      }
      location.hash = `#/users/${created.pk}`;
    } catch (e) {
      showErrors(form, e);
    }
  });
  return h('section', null, h('p', { class: 'crumbs' }, h('a', { href: '#/users' }, '← Users')),
    pageHeader('Create user', null), form);
}

async function setActive(user, active, rerender) {
  try {
    await api('PATCH', `/core/users/${user.pk}/`, { is_active: active });
    await rerender();
    notify(active ? 'The user is active again.' : 'The user is deactivated and logged out everywhere.', 'ok');
  } catch (e) {
    notify(e.message, 'error');
  }
}

function setPassword(user) {
  const pw = input({ type: 'password', autocomplete: 'new-password', id: 'new-password' });
  return openDialog({
    title: `Set password for ${displayName(user)}`,
    id: 'password-dialog',
    body: [
      // For password managers: which account the new password belongs to.
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: user.username, hidden: true }),
      field('password', 'New password', pw, 'Their other sessions end at once.'),
    ],
    submitLabel: 'Set password',
    onSubmit: async () => {
      await api('POST', `/core/users/${user.pk}/set_password/`, { password: pw.value });
      notify('Password set.', 'ok');
    },
  });
}

async function remove(user) {
  const done = await confirmDialog(`Delete ${displayName(user)}?`,
    `The user “${user.username}” is removed with their tokens and sessions. This cannot be undone.`,
    'Delete user', () => api('DELETE', `/core/users/${user.pk}/`));
  if (done) {
    notify(`Deleted ${user.username}.`, 'ok', { keep: true });
    location.hash = '#/users';
  }
}

function impersonate(user) {
  const reason = h('textarea', { rows: 3, maxlength: 1000, required: true, id: 'impersonate-reason' });
  // Holders of only `core.impersonate_read_only` may only look.
  const full = can('core.impersonate');
  const readOnly = h('input', { type: 'checkbox', name: 'read_only', id: 'impersonate-read-only', checked: true });
  const note = h('p', { class: 'muted', id: 'impersonate-note' });
  const explain = () => note.replaceChildren(readOnly.checked
    ? 'You will see what this user sees, but every change is refused, until you end it or it times out. It is recorded in the audit log, and they are told.'
    : 'You will see and act as this user until you end the impersonation or it times out. It is recorded in the audit log, and they are told.');
  readOnly.addEventListener('change', explain);
  explain();
  return openDialog({
    title: `Impersonate ${displayName(user)}`,
    id: 'impersonate-dialog',
    body: [
      note,
      field('reason', 'Reason', reason, 'For example a ticket number. They will see it.'),
      full ? h('label', { class: 'check', 'data-field': 'read_only' }, readOnly,
        h('span', null, 'Read only', h('small', { class: 'muted' }, ' — look, but change nothing as them'))) : null,
    ],
    submitLabel: 'Impersonate',
    onSubmit: async () => {
      const body = { reason: reason.value, read_only: full ? readOnly.checked : true };
      await withFreshPassword(() => api('POST', `/core/users/${user.pk}/impersonate/`, body), session.me.user.username);
      remember({ target: user.pk, reason: reason.value.trim() });
      await loadMe();
      location.hash = '#/';
    },
  });
}
