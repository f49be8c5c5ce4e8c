// The login form. `onLogin(name, password)` resolves to an error message, or null on success.
import { h } from '../dom.js'
import { t } from '../i18n/index.js'

/** @param {(name: string, password: string) => Promise<string | null>} onLogin */
export function loginView(onLogin, lastError = '') {
  const error = h('p', { class: 'form-error', id: 'login-error', role: 'alert' }, lastError)
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true, 'aria-describedby': 'login-error' })
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'login-error' })
  const submit = h('button', { type: 'submit' }, t('login.submit'))

  const form = h('form', {
    class: 'login', 'data-testid': 'login-form', 'aria-labelledby': 'login-heading',
    onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault()
      submit.disabled = true
      error.textContent = ''
      const message = await onLogin(name.value.trim(), password.value)
      if (message) {
        error.textContent = message
        submit.disabled = false
        password.select()
      }
    },
  },
  h('h2', { id: 'login-heading' }, t('login.heading')),
  h('p', {}, h('label', { for: 'login-name' }, t('login.name')), name),
  h('p', {}, h('label', { for: 'login-password' }, t('login.password')), password),
  error,
  h('p', {}, submit))
  queueMicrotask(() => name.focus())
  return form
}
