// The fields of a user (the API's UserRequest), for creating and editing.
import { h } from './dom.js';
import { api } from './api.js';
import { can } from './session.js';
import { field, input, select, checkbox, picker, picked } from './ui.js';
import { TYPES } from './view-users.js';

/**
 * Groups and roles to pick from: null where the acting user may not list them (or
 * the list fails to load), and the form then shows them read-only.
 */
export async function loadChoices() {
  const list = (perm, path) => (can(perm) ? api('GET', path).then((d) => d.results, () => null) : null);
  const [groups, roles] = await Promise.all([
    list('core.view_group', '/core/groups/?page_size=100&include_users=false'),
    list('rbac.view_role', '/rbac/roles/?page_size=100'),
  ]);
  return { groups, roles };
}

/** `choices` plus whatever the user already has (the choice lists stop at 100). */
function options(choices, current) {
  const seen = new Map();
  for (const o of [...(choices || []), ...(current || [])]) if (!seen.has(o.pk)) seen.set(o.pk, o);
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export const chips = (items) => (items && items.length
  ? h('span', { class: 'chips' }, items.map((i) => h('span', { class: 'chip' }, i.name)))
  : h('span', { class: 'muted' }, 'None'));

/**
 * The user form's two cards and a `read(form)` that returns the request body, or
 * throws `{field: [message]}` for what can be told before asking the server.
 */
export function userFields(user, choices, { create = false } = {}) {
  const u = user || { username: '', name: '', email: '', path: 'users', type: 'internal', is_active: true, attributes: {}, groups_obj: [], roles_obj: [] };
  const fixedType = u.type === 'internal_service_account';
  const typeSelect = select(fixedType ? TYPES : TYPES.filter(([v]) => v !== 'internal_service_account'), u.type, { disabled: fixedType });
  const attributes = h('textarea', { rows: 3, class: 'mono', spellcheck: 'false', value: JSON.stringify(u.attributes || {}, null, 2) });
  const profile = h('div', { class: 'card' },
    h('h2', null, 'Profile'),
    h('div', { class: 'grid-2' },
      field('username', 'Username', input({ value: u.username, required: true, autocomplete: 'off' }), 'Letters, digits and @ . + - _'),
      field('name', 'Display name', input({ value: u.name })),
      field('email', 'Email', input({ value: u.email, inputmode: 'email' })),
      field('path', 'Path', input({ value: u.path }), 'Folder-like grouping, e.g. users/staff'),
      field('type', 'Type', typeSelect),
      create ? field('password', 'Password', input({ type: 'password', autocomplete: 'new-password' }), 'Optional; without one the user cannot log in.')
        : field('last_login', 'Last login', input({ value: u.last_login || '', placeholder: 'never' }), 'RFC 3339 time, or empty for never')),
    checkbox('is_active', 'Active — may log in', u.is_active),
    field('attributes', 'Attributes (JSON object)', attributes));

  const canGroups = choices.groups != null;
  const canRoles = choices.roles != null;
  const groupItems = options(choices.groups, u.groups_obj).map((g) => ({ value: g.pk, label: g.name, hint: g.is_superuser ? 'superuser' : '' }));
  const roleItems = options(choices.roles, u.roles_obj).map((r) => ({ value: r.pk, label: r.name, hint: `${r.permissions.length} permission${r.permissions.length === 1 ? '' : 's'}` }));
  const access = h('div', { class: 'card' },
    h('h2', null, 'Access'),
    canGroups ? picker('groups', 'Groups', groupItems, u.groups || [], { empty: 'No groups exist yet.' })
      : h('div', { class: 'field' }, h('span', { class: 'label' }, 'Groups'), chips(u.groups_obj)),
    canRoles ? picker('roles', 'Roles', roleItems, u.roles || [], { empty: 'No roles exist yet.' })
      : h('div', { class: 'field' }, h('span', { class: 'label' }, 'Roles'), chips(u.roles_obj)));

  function read(form) {
    const val = (name) => form.elements.namedItem(name).value;
    const body = {
      username: val('username'),
      name: val('name'),
      email: val('email'),
      path: val('path'),
      is_active: form.elements.namedItem('is_active').checked,
    };
    if (!fixedType) body.type = val('type');
    if (!create) body.last_login = val('last_login').trim() || null;
    try {
      body.attributes = JSON.parse(val('attributes') || '{}');
    } catch {
      throw { attributes: ['Enter valid JSON, e.g. {"team": "support"}.'] };
    }
    if (canGroups) body.groups = picked(form, 'groups');
    if (canRoles) body.roles = picked(form, 'roles');
    return body;
  }

  return { cards: [profile, access], read };
}
