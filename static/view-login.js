// Login: username and password; shows the server's answer, including throttling.
import { h } from './dom.js';
import { api } from './api.js';
import { field, input, showErrors, clearErrors } from './ui.js';

export function loginView(done) {
  document.title = 'Log in · standin';
  const username = input({ autocomplete: 'username', required: true, autofocus: true });
  const password = input({ type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'card login-card', id: 'login-form', novalidate: true, onsubmit: send },
    h('div', { class: 'login-brand' }, 'standin'),
    h('h1', null, 'Log in'),
    h('div', { 'data-errors': '' }),
    field('username', 'Username', username),
    field('password', 'Password', password),
    submit);

  async function send(ev) {
    ev.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      await api('POST', '/auth/login/', { username: username.value, password: password.value }, { unguarded: true });
      await done();
    } catch (e) {
      password.value = '';
      // Wrong password: 403; throttled: 429 with the server's own wording.
      showErrors(form, e);
    }
    submit.disabled = false;
  }

  setTimeout(() => username.focus(), 0);
  return h('div', { class: 'login-wrap' }, form);
}
