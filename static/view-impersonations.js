// Impersonations: the running ones (or all), with revoke.
import { h } from './dom.js';
import { api, qs } from './api.js';
import { can } from './session.js';
import { pageHeader, button, checkbox, confirmDialog, pager, table, when, errorPanel, badge, notify, setQuery } from './ui.js';

export async function impersonationsView({ query }) {
  const state = { all: query.get('all') === '1', page: Number(query.get('page')) || 1 };
  const results = h('div', { class: 'results' });
  const revoke = async (imp) => {
    const done = await confirmDialog('Revoke this impersonation?',
      `${imp.original.username} stops acting as ${imp.target.username} on their next request.`, 'Revoke',
      () => api('POST', `/core/impersonations/${imp.pk}/end/`));
    if (done) {
      notify('Revoked.', 'ok');
      load();
    }
  };
  async function load() {
    const q = { all: state.all ? 1 : '', page: state.page > 1 ? state.page : '' };
    setQuery('impersonations', q);
    try {
      const data = await api('GET', '/core/impersonations/' + qs({ active: state.all ? '' : 'true', page: q.page, page_size: 20 }));
      const rows = data.results.map((i) => h('tr', { 'data-pk': i.pk },
        h('td', null, i.original.username),
        h('td', null, i.target.username),
        h('td', { class: 'details' }, i.reason),
        h('td', { class: 'nowrap' }, when(i.started)),
        h('td', { class: 'nowrap' }, i.active ? when(i.expires) : when(i.ended || i.expires)),
        h('td', { class: 'nowrap' }, i.active ? badge('Active', 'warn') : badge(i.end_reason || 'expired', 'muted'), i.read_only && badge('Read-only', 'accent')),
        h('td', null, i.active && can('core.end_impersonation') && button('Revoke', () => revoke(i), 'danger', { 'data-revoke': i.pk }))));
      results.replaceChildren(table(['Admin', 'Acting as', 'Reason', 'Started', state.all ? 'Ends / ended' : 'Ends', 'Status', ''], rows,
        state.all ? 'No impersonations yet.' : 'Nobody is impersonating anyone right now.', { id: 'impersonations-table' }),
      pager(data.pagination, (p) => { state.page = p; load(); }));
    } catch (e) {
      results.replaceChildren(errorPanel(e));
    }
  }
  const toggle = checkbox('all', 'Show ended ones too', state.all, { onchange: (ev) => { state.all = ev.target.checked; state.page = 1; load(); } });
  await load();
  return h('section', null, pageHeader('Impersonations', 'Admins acting as other users. Revoking ends one on its next request.'),
    h('div', { class: 'card card-flush' }, h('div', { class: 'filters' }, toggle), results));
}
