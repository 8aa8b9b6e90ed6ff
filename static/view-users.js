// Users: a table with search, filters, sorting and pagination. The filters live in
// the hash (#/users?search=ali&is_active=true&ordering=-last_login&page=2), so a
// reload or a shared link shows the same list.
import { h } from './dom.js';
import { api, qs } from './api.js';
import { can } from './session.js';
import { avatar, badge, pageHeader, link, input, select, pager, table, when, day, errorPanel, setQuery } from './ui.js';

export const TYPES = [
  ['internal', 'Internal'],
  ['external', 'External'],
  ['service_account', 'Service account'],
  ['internal_service_account', 'Internal service account'],
];
export const typeLabel = (t) => (TYPES.find(([v]) => v === t) || [t, t])[1];

const COLUMNS = [
  ['username', 'User'],
  ['name', 'Name'],
  [null, 'Email'],
  [null, 'Type'],
  [null, 'Status'],
  ['last_login', 'Last login'],
  ['date_joined', 'Joined'],
];

export async function usersView({ query }) {
  const state = {
    search: query.get('search') || '',
    is_active: query.get('is_active') || '',
    is_superuser: query.get('is_superuser') || '',
    type: query.get('type') || '',
    ordering: query.get('ordering') || 'username',
    page: Number(query.get('page')) || 1,
  };
  const results = h('div', { class: 'results' });
  let latest = 0;

  async function load() {
    const mine = ++latest; // answers to earlier keystrokes may arrive late: drop them
    const q = { ...state, page: state.page > 1 ? state.page : '', ordering: state.ordering === 'username' ? '' : state.ordering };
    setQuery('users', q);
    let data;
    try {
      data = await api('GET', '/core/users/' + qs({ ...q, page_size: 20, include_groups: false, include_roles: false }));
    } catch (e) {
      if (mine !== latest) return;
      if (e.status === 404 && state.page > 1) {
        state.page = 1; // past the end after a filter change
        return load();
      }
      results.replaceChildren(errorPanel(e));
      return;
    }
    if (mine !== latest) return;
    results.replaceChildren(drawTable(data.results), pager(data.pagination, (page) => { state.page = page; load(); }));
  }

  function sortHeader(key, label) {
    if (!key) return label;
    const dir = state.ordering === key ? 'ascending' : state.ordering === '-' + key ? 'descending' : null;
    const next = dir === 'ascending' ? '-' + key : key;
    return h('button', { type: 'button', class: 'sort', 'aria-sort': dir || 'none', 'data-sort': key,
      onclick: () => { state.ordering = next; state.page = 1; load(); } },
    label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : ''));
  }

  function drawTable(users) {
    const rows = users.map((u) => h('tr', { 'data-pk': u.pk },
      h('td', null, h('a', { class: 'user-cell', href: `#/users/${u.pk}` }, avatar(u.avatar), h('span', { class: 'username' }, u.username))),
      h('td', { class: 'name' }, u.name),
      h('td', null, u.email),
      h('td', { class: 'nowrap' }, typeLabel(u.type)),
      h('td', { class: 'nowrap' }, u.is_active ? badge('Active', 'ok') : badge('Inactive', 'muted'), u.is_superuser && badge('Superuser', 'accent')),
      h('td', { class: 'nowrap' }, when(u.last_login)),
      h('td', { class: 'nowrap' }, day(u.date_joined))));
    return table(COLUMNS.map(([k, l]) => sortHeader(k, l)), rows, 'No users match.', { id: 'users-table' });
  }

  const onFilter = (key) => (ev) => { state[key] = ev.target.value; state.page = 1; load(); };
  let timer;
  const search = input({ type: 'search', id: 'user-search', value: state.search, placeholder: 'Search username, name, email…', 'aria-label': 'Search users',
    oninput: (ev) => { clearTimeout(timer); timer = setTimeout(() => onFilter('search')(ev), 250); } });
  const filters = h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); clearTimeout(timer); onFilter('search')({ target: search }); } },
    search,
    select([['', 'Any status'], ['true', 'Active'], ['false', 'Inactive']], state.is_active, { id: 'filter-active', 'aria-label': 'Status', onchange: onFilter('is_active') }),
    select([['', 'Superusers and others'], ['true', 'Superusers only'], ['false', 'No superusers']], state.is_superuser, { id: 'filter-superuser', 'aria-label': 'Superuser', onchange: onFilter('is_superuser') }),
    select([['', 'Any type'], ...TYPES], state.type, { id: 'filter-type', 'aria-label': 'Type', onchange: onFilter('type') }));

  await load();
  return h('section', null,
    pageHeader('Users', null, can('core.add_user') && link('Create user', '#/users/new', 'primary', { id: 'create-user' })),
    h('div', { class: 'card card-flush' }, filters, results));
}
