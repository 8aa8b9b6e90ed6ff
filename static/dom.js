// Builds DOM from plain values. Text always goes in as text nodes, never as markup,
// so a user-provided string like `<img src=x onerror=…>` is shown, not run.
// (The page builds no HTML from strings and has no inline style or script: the CSP forbids them.)

// Keys set as element properties rather than attributes.
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'required', 'indeterminate']);

/** `h('a', {href: '#/users', class: 'x', onclick: fn}, 'text', child, …)` */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (key === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (key.startsWith('on') && typeof v === 'function') el.addEventListener(key.slice(2), v);
    else if (PROPS.has(key)) el[key] = v;
    else el.setAttribute(key, v === true ? '' : String(v));
  }
  return add(el, children);
}

/** Appends children: nodes as they are, anything else as text. */
export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** The element with `id`. */
export const byId = (id) => document.getElementById(id);
