// Groups: list, create, edit (name, superuser flag, parents, roles, attributes), members.
import { h } from './dom.js';
import { api, qs } from './api.js';
import { can } from './session.js';
import { badge, pageHeader, link, button, field, input, checkbox, picker, picked, showErrors, clearErrors, confirmDialog, notify, pager, table, errorPanel, setQuery } from './ui.js';
import { chips } from './user-form.js';

export async function groupsView({ query }) {
  const state = { search: query.get('search') || '', page: Number(query.get('page')) || 1 };
  const results = h('div', { class: 'results' });
  async function load() {
    const q = { search: state.search, page: state.page > 1 ? state.page : '' };
    setQuery('groups', q);
    try {
      const data = await api('GET', '/core/groups/' + qs({ ...q, page_size: 20, include_users: false }));
      const rows = data.results.map((g) => h('tr', null,
        h('td', null, h('a', { href: `#/groups/${g.pk}` }, g.name)),
        h('td', null, g.parents_obj.length ? g.parents_obj.map((p) => p.name).join(', ') : h('span', { class: 'muted' }, '—')),
        h('td', { class: 'num' }, String(g.users.length)),
        h('td', null, chips(g.roles_obj)),
        h('td', null, g.is_superuser && badge('Superuser', 'accent'))));
      results.replaceChildren(table(['Name', 'Parents', 'Members', 'Roles', ''], rows, 'No groups yet.', { id: 'groups-table' }),
        pager(data.pagination, (p) => { state.page = p; load(); }));
    } catch (e) {
      results.replaceChildren(errorPanel(e));
    }
  }
  let timer;
  const search = input({ type: 'search', value: state.search, placeholder: 'Search groups…', 'aria-label': 'Search groups',
    oninput: () => { clearTimeout(timer); timer = setTimeout(() => { state.search = search.value; state.page = 1; load(); }, 250); } });
  await load();
  return h('section', null,
    pageHeader('Groups', 'Members of a superuser group hold every permission; others get their roles, and their parents’ roles.',
      can('core.add_group') && link('Create group', '#/groups/new', 'primary')),
    h('div', { class: 'card card-flush' }, h('div', { class: 'filters' }, search), results));
}

/** Everything to pick parents and roles from (the lists stop at 100). */
async function choices() {
  const [groups, roles] = await Promise.all([
    api('GET', '/core/groups/?page_size=100&include_users=false').then((d) => d.results),
    can('rbac.view_role') ? api('GET', '/rbac/roles/?page_size=100').then((d) => d.results) : null,
  ]);
  return { groups, roles };
}

function groupForm(g, { groups, roles }, editable) {
  const parentItems = groups.filter((o) => !g || o.pk !== g.pk).map((o) => ({ value: o.pk, label: o.name }));
  const roleItems = roles && roles.map((r) => ({ value: r.pk, label: r.name }));
  return h('div', { class: 'card' },
    h('h2', null, 'Group'),
    field('name', 'Name', input({ value: g ? g.name : '', disabled: !editable })),
    checkbox('is_superuser', 'Superuser group — members hold every permission', !!(g && g.is_superuser), { disabled: !editable }),
    field('attributes', 'Attributes (JSON object)', h('textarea', { rows: 3, class: 'mono', disabled: !editable, value: JSON.stringify(g ? g.attributes : {}, null, 2) })),
    picker('parents', 'Parents', parentItems, g ? g.parents : [], { disabled: !editable, empty: 'No other groups.' }),
    roleItems ? picker('roles', 'Roles', roleItems, g ? g.roles : [], { disabled: !editable, empty: 'No roles yet.' })
      : h('div', { class: 'field' }, h('span', { class: 'label' }, 'Roles'), chips(g ? g.roles_obj : [])));
}

function readGroup(form, withRoles) {
  const body = {
    name: form.elements.namedItem('name').value,
    is_superuser: form.elements.namedItem('is_superuser').checked,
    parents: picked(form, 'parents'),
  };
  try {
    body.attributes = JSON.parse(form.elements.namedItem('attributes').value || '{}');
  } catch {
    throw { attributes: ['Enter valid JSON, e.g. {"team": "support"}.'] };
  }
  if (withRoles) body.roles = picked(form, 'roles');
  return body;
}

export async function newGroupView() {
  const c = await choices();
  const form = h('form', { id: 'group-form', novalidate: true }, groupForm(null, c, true),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create group'), link('Cancel', '#/groups', 'ghost')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const g = await api('POST', '/core/groups/', readGroup(form, c.roles != null));
      location.hash = `#/groups/${g.pk}`;
    } catch (e) {
      showErrors(form, e);
    }
  });
  return h('section', null, h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, '← Groups')), pageHeader('Create group', null), form);
}

export async function groupView({ params, rerender }) {
  const [g, c] = await Promise.all([api('GET', `/core/groups/${params[0]}/`), choices()]);
  const editable = can('core.change_group');
  const form = h('form', { id: 'group-form', novalidate: true }, groupForm(g, c, editable),
    editable && h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-group' }, 'Save changes')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      await api('PATCH', `/core/groups/${g.pk}/`, readGroup(form, c.roles != null));
      await rerender();
      notify('Saved.', 'ok');
    } catch (e) {
      showErrors(form, e);
    }
  });
  const remove = async () => {
    const done = await confirmDialog(`Delete ${g.name}?`, 'Members lose the roles they had through this group. This cannot be undone.', 'Delete group',
      () => api('DELETE', `/core/groups/${g.pk}/`));
    if (done) {
      notify(`Deleted ${g.name}.`, 'ok', { keep: true });
      location.hash = '#/groups';
    }
  };
  return h('section', null,
    h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, '← Groups')),
    pageHeader(g.name, g.is_superuser ? 'Superuser group' : null, can('core.delete_group') && button('Delete', remove, 'danger', { id: 'delete-group' })),
    h('div', { class: 'columns' }, form, members(g, editable, rerender)));
}

function members(g, editable, rerender) {
  const rows = (g.users_obj || []).map((u) => h('tr', null,
    h('td', null, can('core.view_user') ? h('a', { href: `#/users/${u.pk}` }, u.username) : u.username),
    h('td', null, u.name),
    h('td', null, editable && button('Remove', async () => {
      try {
        await api('POST', `/core/groups/${g.pk}/remove_user/`, { pk: u.pk });
        await rerender();
      } catch (e) {
        notify(e.message, 'error');
      }
    }, 'ghost'))));
  const username = input({ placeholder: 'username', 'aria-label': 'Username to add' });
  const add = h('form', { class: 'inline-form', novalidate: true },
    h('div', { class: 'field', 'data-field': 'pk' }, username),
    h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Add member'));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(add);
    try {
      const found = (await api('GET', '/core/users/' + qs({ username: username.value.trim(), include_groups: false, include_roles: false }))).results[0];
      if (!found) throw { pk: [`No user is called “${username.value.trim()}”.`] };
      await api('POST', `/core/groups/${g.pk}/add_user/`, { pk: found.pk });
      await rerender();
    } catch (e) {
      showErrors(add, e);
    }
  });
  return h('div', { class: 'card card-flush' },
    h('h2', { class: 'pad' }, `Members (${g.users.length})`),
    table(['Username', 'Name', ''], rows, 'No members yet.'),
    editable && can('core.view_user') && add);
}
