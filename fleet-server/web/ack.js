// Acknowledging an alarm: POST the ack (the server sends cmd/ack-alarm to the gateway and answers
// 202 with the command record), then poll GET /api/commands/{id} until the gateway's cmd-result is in.
// The state per alarm outlives re-renders; `onChange(alarmId)` lets the view update in place.
import { api, messageOf, statusOf } from './api.js'
import { t } from './i18n/index.js'
/** @typedef {import('./api.js').CommandRecord} CommandRecord */

/**
 * Where an acknowledgement is: being sent, waiting for the gateway's result, its result (ok or
 * failed, with the gateway's message), no result in time, or an error from the server.
 * @typedef {{ status: 'sending' }
 *   | { status: 'waiting' | 'timeout', commandId: string }
 *   | { status: 'ok' | 'failed', commandId: string, message: string | undefined, at: number }
 *   | { status: 'error', message: string }} AckState
 */

const POLL_MS = 1000
const POLL_LIMIT = 30

/** @type {Map<number, AckState>} by alarm id */
const states = new Map()
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))

export const ackState = (/** @type {number} */ alarmId) => states.get(alarmId)
export const ackPending = (/** @type {number} */ alarmId) => {
  const status = states.get(alarmId)?.status
  return status === 'sending' || status === 'waiting'
}

/**
 * The text for the ack-result cell.
 * @param {AckState | undefined} state
 */
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

/**
 * @param {CommandRecord} command
 * @param {NonNullable<CommandRecord['result']>} result
 * @returns {AckState}
 */
const resultState = (command, result) =>
  ({ status: result.ok ? 'ok' : 'failed', commandId: command.id, message: result.message, at: result.at })

/**
 * @param {number} alarmId
 * @param {{ onChange: (alarmId: number, state: AckState) => void, onUnauthorized: () => void }} callbacks
 */
export async function acknowledge(alarmId, { onChange, onUnauthorized }) {
  if (ackPending(alarmId)) return
  const set = (/** @type {AckState} */ state) => { states.set(alarmId, state); onChange(alarmId, state) }
  set({ status: 'sending' })
  let command
  try {
    command = await api.ackAlarm(alarmId)
  } catch (error) {
    if (statusOf(error) === 401) onUnauthorized()
    set({ status: 'error', message: messageOf(error) })
    return
  }
  if (command.result) return set(resultState(command, command.result))
  set({ status: 'waiting', commandId: command.id })
  for (let i = 0; i < POLL_LIMIT; i++) {
    await sleep(POLL_MS)
    try {
      const latest = await api.command(command.id)
      if (latest.result) return set(resultState(latest, latest.result))
    } catch (error) {
      if (statusOf(error) === 401) { onUnauthorized(); set({ status: 'error', message: messageOf(error) }); return }
      // a lost poll is retried on the next round
    }
  }
  set({ status: 'timeout', commandId: command.id })
}
