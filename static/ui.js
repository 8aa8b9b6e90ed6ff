// Small building blocks shared by the screens: fields and their errors, dialogs,
// tables, pagination, notices.
import { h, add, byId } from './dom.js';
import { api, ApiError, qs } from './api.js';

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A server time for people; '—' for none. */
export function when(iso, fmt = dateFmt) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : fmt.format(d);
}

/** The day of a server time, with the full time as a tooltip. */
export const day = (iso) => h('span', { title: when(iso) }, when(iso, dayFmt));

export const badge = (text, kind = '') => h('span', { class: ['badge', kind && 'badge-' + kind] }, text);

/** The server's initials avatar (a data: URI); anything else is not shown. */
export function avatar(src, size = 'sm') {
  const ok = typeof src === 'string' && src.startsWith('data:image/');
  return h('img', { class: ['avatar', 'avatar-' + size], src: ok ? src : null, alt: '' });
}

export function pageHeader(title, subtitle, ...actions) {
  document.title = `${title} · standin`;
  return h('div', { class: 'page-header' },
    h('div', null, h('h1', null, title), subtitle && h('p', { class: 'muted' }, subtitle)),
    h('div', { class: 'actions' }, actions));
}

export const button = (label, onclick, kind = 'secondary', extra = {}) =>
  h('button', { type: 'button', class: ['btn', 'btn-' + kind], onclick, ...extra }, label);

export const link = (label, href, kind = 'secondary', extra = {}) =>
  h('a', { class: ['btn', 'btn-' + kind], href, ...extra }, label);

let seq = 0;
/** A labelled control in a `.field` that shows its own validation errors. */
export function field(name, label, control, help) {
  const id = control.id || `f-${name}-${++seq}`;
  control.id = id;
  if (!control.name) control.name = name;
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: id }, label),
    control,
    help && h('p', { class: 'help' }, help));
}

export const input = (props) => h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...props });

export function select(options, value, props = {}) {
  return h('select', props, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function checkbox(name, label, checked, props = {}) {
  return h('label', { class: 'check', 'data-field': name },
    h('input', { type: 'checkbox', name, checked, ...props }), h('span', null, label));
}

/** Checkboxes of `items` ({value, label, hint}) with `selected` ticked, in a `.field`. */
export function picker(name, label, items, selected, { disabled = false, empty = 'None yet.' } = {}) {
  const set = new Set(selected);
  const list = h('div', { class: 'picker', role: 'group', 'aria-label': label },
    items.length ? items.map((it) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value: it.value, checked: set.has(it.value), disabled }),
      h('span', null, it.label, it.hint && h('small', { class: 'muted' }, ' ', it.hint))))
      : h('p', { class: 'muted' }, empty));
  return h('div', { class: 'field', 'data-field': name }, h('span', { class: 'label' }, label), list);
}

/** The ticked values of the checkboxes named `name` in `form`. */
export const picked = (form, name) =>
  [...form.querySelectorAll(`input[type=checkbox][name="${name}"]`)].filter((c) => c.checked).map((c) => c.value);

export function clearErrors(form) {
  form.querySelectorAll('.field-error, .form-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
}

/** Shows `err` in `form`: each field's messages under that field, the rest on top. */
export function showErrors(form, err) {
  clearErrors(form);
  const fields = err instanceof ApiError ? err.fields : err && !(err instanceof Error) ? err : null;
  const loose = [];
  if (fields) {
    for (const [key, messages] of Object.entries(fields)) {
      const list = [messages].flat().map(String);
      const box = key !== 'non_field_errors' && form.querySelector(`[data-field="${CSS.escape(key)}"]`);
      if (!box) {
        loose.push(...list.map((m) => (key === 'non_field_errors' ? m : `${key}: ${m}`)));
        continue;
      }
      box.querySelectorAll('input, select, textarea').forEach((c) => c.setAttribute('aria-invalid', 'true'));
      add(box, list.map((m) => h('p', { class: 'field-error' }, m)));
    }
  } else {
    loose.push(err && err.message ? err.message : String(err));
  }
  if (loose.length) {
    const box = h('div', { class: 'form-error', role: 'alert' }, loose.map((m) => h('p', null, m)));
    const slot = form.querySelector('[data-errors]');
    if (slot) slot.append(box);
    else form.prepend(box);
  }
  const first = form.querySelector('[aria-invalid], .form-error');
  if (first && first.focus) first.focus();
}

/**
 * A modal <dialog>: `body` inside a form, with Cancel and `submitLabel`. `onSubmit(form)`
 * runs on submit; the dialog closes when it resolves, and shows the error when it throws.
 * Resolves with onSubmit's result, or null when cancelled.
 */
export function openDialog({ title, body, submitLabel, kind = 'primary', onSubmit, id }) {
  return new Promise((resolve) => {
    let result = null;
    const submit = h('button', { type: 'submit', class: ['btn', 'btn-' + kind] }, submitLabel);
    const form = h('form', { method: 'dialog', novalidate: true },
      h('h2', null, title), h('div', { 'data-errors': '' }), h('div', { class: 'dialog-body' }, body),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'), submit));
    const dlg = h('dialog', { class: 'dialog', id }, form);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        result = (await onSubmit(form)) ?? true;
        dlg.close();
      } catch (e) {
        showErrors(form, e);
      } finally {
        submit.disabled = false;
      }
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/**
 * Runs `fn`; when the server wants the password first (403 `reauth_required`),
 * asks for it, confirms it, and runs `fn` once more. `username` is who signs in
 * (for password managers). Cancelling the prompt fails with the server's message.
 */
export async function withFreshPassword(fn, username) {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403 && e.body && e.body.code === 'reauth_required')) throw e;
    const pw = input({ type: 'password', autocomplete: 'current-password', id: 'reauth-password' });
    const confirmed = await openDialog({
      title: 'Confirm your password',
      id: 'reauth-dialog',
      body: [
        h('p', { class: 'muted' }, e.message),
        h('input', { type: 'text', name: 'username', autocomplete: 'username', value: username, hidden: true }),
        field('password', 'Your password', pw, 'You have not entered it for a while; it is asked again before this.'),
      ],
      submitLabel: 'Confirm',
      // A wrong password (403) or too many (429) stay in this dialog.
      onSubmit: () => api('POST', '/auth/confirm/', { password: pw.value }).catch((err) => {
        pw.value = '';
        throw err.status === 403 || err.status === 429 ? { password: [err.message] } : err;
      }),
    });
    if (!confirmed) throw e;
    return fn();
  }
}

/** Asks before something that cannot be undone. */
export const confirmDialog = (title, text, submitLabel, onSubmit) =>
  openDialog({ title, body: h('p', null, text), submitLabel, kind: 'danger', onSubmit, id: 'confirm-dialog' });

/** "1–20 of 45" and previous / next buttons. */
export function pager(p, go) {
  if (!p || p.count === 0) return h('div', { class: 'pager' });
  return h('div', { class: 'pager' },
    h('span', { class: 'muted' }, `${p.start_index}–${p.end_index} of ${p.count}`),
    h('span', { class: 'pager-buttons' },
      button('← Previous', () => go(p.previous), 'secondary', { disabled: !p.previous, 'data-page': 'previous' }),
      h('span', { class: 'muted' }, `Page ${p.current} of ${p.total_pages}`),
      button('Next →', () => go(p.next), 'secondary', { disabled: !p.next, 'data-page': 'next' })));
}

/** A table: `columns` are header cells (strings or nodes), `rows` arrays of cells. */
export function table(columns, rows, emptyText, props = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', ...props },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.length
      ? rows
      : h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, emptyText)))));
}

/**
 * A notice above the page. Sticky ones stay until dismissed; others go with the next
 * screen, or the one after with `keep` (for a notice given just before navigating).
 */
export function notify(text, kind = 'info', { sticky = false, keep = false, id } = {}) {
  const box = byId('notices');
  if (id) box.querySelectorAll(`[data-id="${id}"]`).forEach((n) => n.remove());
  const note = h('div', { class: ['notice', 'notice-' + kind], role: kind === 'error' ? 'alert' : 'status', 'data-id': id, 'data-sticky': sticky ? '1' : null, 'data-keep': keep ? '1' : null },
    h('span', null, text),
    h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', onclick: () => note.remove() }, '×'));
  box.append(note);
  return note;
}

export function clearNotices() {
  for (const n of byId('notices').querySelectorAll('.notice:not([data-sticky])')) {
    if (n.dataset.keep) delete n.dataset.keep;
    else n.remove();
  }
}

/** The message of an error, for a whole screen that could not load. */
export function errorPanel(err) {
  const text = err && err.status === 404 ? (err.message || 'Not found.') : err && err.message ? err.message : String(err);
  return h('div', { class: 'card error-panel', role: 'alert' }, h('h1', null, err && err.status === 403 ? 'Not allowed' : 'Something went wrong'), h('p', null, text));
}

/** Definition list of `[term, value]` pairs (values as text or nodes). */
export const facts = (pairs) => h('dl', { class: 'facts' }, pairs.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));

/** Puts a list's filters into the hash (no new history entry), if still on that list. */
export function setQuery(path, params) {
  if (location.hash.split('?')[0] === '#/' + path) history.replaceState(null, '', `#/${path}${qs(params)}`);
}
