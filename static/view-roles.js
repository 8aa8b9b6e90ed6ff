// Roles: list, create, edit; permissions as checkboxes (the codenames the server lists).
import { h } from './dom.js';
import { api, qs } from './api.js';
import { can } from './session.js';
import { pageHeader, link, button, field, input, showErrors, clearErrors, confirmDialog, notify, pager, table, errorPanel, setQuery } from './ui.js';

export const PERMISSIONS = [
  ['Users', [
    ['core.view_user', 'View users'],
    ['core.add_user', 'Create users'],
    ['core.change_user', 'Edit users'],
    ['core.delete_user', 'Delete users'],
    ['core.reset_user_password', 'Set other users’ passwords'],
  ]],
  ['Impersonation', [
    ['core.impersonate', 'Impersonate users'],
    ['core.impersonate_read_only', 'View as users (read-only impersonation)'],
    ['core.view_impersonation', 'View impersonations'],
    ['core.end_impersonation', 'Revoke impersonations'],
  ]],
  ['Groups', [
    ['core.view_group', 'View groups'],
    ['core.add_group', 'Create groups'],
    ['core.change_group', 'Edit groups and members'],
    ['core.delete_group', 'Delete groups'],
  ]],
  ['Roles and audit', [
    ['rbac.view_role', 'View roles'],
    ['rbac.change_role', 'Create, edit and delete roles'],
    ['events.view_event', 'Read the audit log'],
  ]],
];

export async function rolesView({ query }) {
  const state = { page: Number(query.get('page')) || 1 };
  const results = h('div', { class: 'results' });
  async function load() {
    setQuery('roles', { page: state.page > 1 ? state.page : '' });
    try {
      const data = await api('GET', '/rbac/roles/' + qs({ page: state.page, page_size: 20 }));
      const rows = data.results.map((r) => h('tr', null,
        h('td', null, h('a', { href: `#/roles/${r.pk}` }, r.name)),
        h('td', { class: 'num' }, String(r.permissions.length)),
        h('td', { class: 'perm-list' }, r.permissions.join(', '))));
      results.replaceChildren(table(['Name', 'Permissions', ''], rows, 'No roles yet.', { id: 'roles-table' }),
        pager(data.pagination, (p) => { state.page = p; load(); }));
    } catch (e) {
      results.replaceChildren(errorPanel(e));
    }
  }
  await load();
  return h('section', null,
    pageHeader('Roles', 'A role grants permissions to the users and groups that hold it.',
      can('rbac.change_role') && link('Create role', '#/roles/new', 'primary')),
    h('div', { class: 'card card-flush' }, results));
}

function roleForm(role, editable, submitLabel) {
  const have = new Set(role ? role.permissions : []);
  const known = new Set(PERMISSIONS.flatMap(([, ps]) => ps.map(([c]) => c)));
  const extra = [...have].filter((p) => !known.has(p)).map((p) => [p, p]);
  const groups = extra.length ? [...PERMISSIONS, ['Other', extra]] : PERMISSIONS;
  return h('form', { id: 'role-form', novalidate: true },
    h('div', { class: 'card' },
      field('name', 'Name', input({ value: role ? role.name : '', disabled: !editable })),
      h('div', { class: 'field', 'data-field': 'permissions' },
        h('span', { class: 'label' }, 'Permissions'),
        h('div', { class: 'perm-grid' }, groups.map(([title, perms]) => h('fieldset', null, h('legend', null, title),
          perms.map(([code, label]) => h('label', { class: 'check' },
            h('input', { type: 'checkbox', name: 'permissions', value: code, checked: have.has(code), disabled: !editable }),
            h('span', null, label, h('code', { class: 'codename' }, code)))))))),
    ),
    editable && h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-role' }, submitLabel)));
}

const readRole = (form) => ({
  name: form.elements.namedItem('name').value,
  permissions: [...form.querySelectorAll('input[name=permissions]:checked')].map((c) => c.value),
});

export async function newRoleView() {
  const form = roleForm(null, true, 'Create role');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const r = await api('POST', '/rbac/roles/', readRole(form));
      location.hash = `#/roles/${r.pk}`;
    } catch (e) {
      showErrors(form, e);
    }
  });
  return h('section', null, h('p', { class: 'crumbs' }, h('a', { href: '#/roles' }, '← Roles')), pageHeader('Create role', null), form);
}

export async function roleView({ params, rerender }) {
  const role = await api('GET', `/rbac/roles/${params[0]}/`);
  const editable = can('rbac.change_role');
  const form = roleForm(role, editable, 'Save changes');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      await api('PUT', `/rbac/roles/${role.pk}/`, readRole(form));
      await rerender();
      notify('Saved.', 'ok');
    } catch (e) {
      showErrors(form, e);
    }
  });
  const remove = async () => {
    const done = await confirmDialog(`Delete ${role.name}?`, 'Users and groups holding it lose its permissions. This cannot be undone.', 'Delete role',
      () => api('DELETE', `/rbac/roles/${role.pk}/`));
    if (done) {
      notify(`Deleted ${role.name}.`, 'ok', { keep: true });
      location.hash = '#/roles';
    }
  };
  return h('section', null, h('p', { class: 'crumbs' }, h('a', { href: '#/roles' }, '← Roles')),
    pageHeader(role.name, `${role.permissions.length} permission${role.permissions.length === 1 ? '' : 's'}`,
      editable && button('Delete', remove, 'danger', { id: 'delete-role' })),
    form);
}
