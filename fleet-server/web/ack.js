// Acknowledging an alarm: POST the ack (the server sends cmd/ack-alarm to the gateway and answers
// 202 with the Command), then poll GET /api/commands/{id} until the gateway's cmd-result is in.
// The state per alarm outlives re-renders; `onChange(alarmId)` lets the view update in place.
import { api } from './api.js'
import { t } from './i18n.js'

export const POLL_MS = 1000
export const POLL_LIMIT = 30

const states = new Map()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export const ackState = (alarmId) => states.get(alarmId)
export const ackPending = (alarmId) => ['sending', 'waiting'].includes(states.get(alarmId)?.status)

/** The text for the ack-result cell. */
export function ackText(state) {
  if (!state) return ''
  switch (state.status) {
    case 'sending': return t('ack.sending')
    case 'waiting': return t('ack.waiting')
    case 'ok': return state.message ? t('ack.okWith', { message: state.message }) : t('ack.ok')
    case 'failed': return state.message ? t('ack.failedWith', { message: state.message }) : t('ack.failed')
    case 'timeout': return t('ack.timeout')
    default: return t('ack.error', { message: state.message ?? '' })
  }
}

const resultState = (command) =>
  ({ status: command.result.ok ? 'ok' : 'failed', commandId: command.id, message: command.result.message, at: command.result.at })

export async function acknowledge(alarmId, { onChange, onUnauthorized }) {
  if (ackPending(alarmId)) return
  const set = (state) => { states.set(alarmId, state); onChange(alarmId, state) }
  set({ status: 'sending' })
  let command
  try {
    command = await api.ackAlarm(alarmId)
  } catch (error) {
    if (error.status === 401) onUnauthorized()
    set({ status: 'error', message: error.message })
    return
  }
  if (command.result) return set(resultState(command))
  set({ status: 'waiting', commandId: command.id })
  for (let i = 0; i < POLL_LIMIT; i++) {
    await sleep(POLL_MS)
    try {
      const latest = await api.command(command.id)
      if (latest.result) return set(resultState(latest))
    } catch (error) {
      if (error.status === 401) { onUnauthorized(); set({ status: 'error', message: error.message }); return }
      // a lost poll is retried on the next round
    }
  }
  set({ status: 'timeout', commandId: command.id })
}
