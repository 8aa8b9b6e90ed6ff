// The audit log: newest first, filtered by action; who acted and on whose behalf.
import { h } from './dom.js';
import { api, qs } from './api.js';
import { pageHeader, select, pager, table, when, errorPanel, badge, setQuery } from './ui.js';

const ACTIONS = ['login', 'login_failed', 'logout', 'impersonation_started', 'impersonation_ended', 'password_set',
  'model_created', 'model_updated', 'model_deleted'];

const who = (u) => (u && u.username ? u.username : h('span', { class: 'muted' }, 'anonymous'));

/** One line about the event's context. */
function details(e) {
  const c = e.context || {};
  if (c.model) return `${c.model.model_name} ${c.model.name ?? c.model.pk}`;
  if (e.action === 'impersonation_started') return c.reason ? `Reason: ${c.reason}` : '';
  if (e.action === 'impersonation_ended') return c.end_reason ? `Ended: ${c.end_reason}` : '';
  if (e.action === 'login_failed') return c.username ? `Username: ${c.username}` : '';
  const text = JSON.stringify(c);
  return text === '{}' ? '' : text.length > 80 ? text.slice(0, 79) + '…' : text;
}

export async function eventsView({ query }) {
  const state = { action: query.get('action') || '', page: Number(query.get('page')) || 1 };
  const results = h('div', { class: 'results' });
  async function load() {
    const q = { action: state.action, page: state.page > 1 ? state.page : '' };
    setQuery('events', q);
    try {
      const data = await api('GET', '/events/events/' + qs({ ...q, page_size: 25, ordering: '-created' }));
      const rows = data.results.map((e) => h('tr', null,
        h('td', { class: 'nowrap' }, when(e.created)),
        h('td', null, badge(e.action.replaceAll('_', ' '), e.action.startsWith('impersonation') ? 'warn' : e.action === 'login_failed' ? 'danger' : '')),
        h('td', null, who(e.user)),
        h('td', null, e.user && e.user.on_behalf_of ? who(e.user.on_behalf_of) : h('span', { class: 'muted' }, '—')),
        h('td', { class: 'details' }, details(e)),
        h('td', { class: 'nowrap muted' }, e.client_ip || '')));
      results.replaceChildren(table(['When', 'Action', 'User', 'On behalf of', 'Details', 'Client IP'], rows, 'No events.', { id: 'events-table' }),
        pager(data.pagination, (p) => { state.page = p; load(); }));
    } catch (e) {
      results.replaceChildren(errorPanel(e));
    }
  }
  const filter = select([['', 'All actions'], ...ACTIONS.map((a) => [a, a.replaceAll('_', ' ')])], state.action,
    { id: 'filter-action', 'aria-label': 'Action', onchange: (ev) => { state.action = ev.target.value; state.page = 1; load(); } });
  await load();
  return h('section', null, pageHeader('Audit log', 'During an impersonation, “User” is the admin and “On behalf of” the user they acted as.'),
    h('div', { class: 'card card-flush' }, h('div', { class: 'filters' }, filter), results));
}
