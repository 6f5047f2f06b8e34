import { api, HttpError } from '../api';
import { h, setText } from '../dom';
import { User } from '../model';

/** The sign-in form (`POST /api/auth/sign-in`); the server sets the HttpOnly session cookie. */
export function signInForm(onSignedIn: (user: User) => void): HTMLElement {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    h('label', { for: 'username' }, 'User name'),
    username,
    h('label', { for: 'password' }, 'Password'),
    password,
    button,
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    setText(error, '');
    api<{ user: User }>('/api/auth/sign-in', { method: 'POST', body: { username: username.value, password: password.value } }).then(
      ({ user }) => onSignedIn(user),
      (failure: unknown) => {
        button.disabled = false;
        setText(error, failure instanceof HttpError && failure.status === 401 ? `${failure.message || 'User name or password is wrong.'}` : String(failure instanceof Error ? failure.message : failure));
        password.select();
      },
    );
  });
  queueMicrotask(() => username.focus());
  return form;
}
