/**
 * The states of one line (a serial port, or one TCP connection) as its bus worker drives it, and the
 * transitions between them: a pure function, so every allowed and every refused transition is tested
 * without a line.
 *
 *   stopped ──start──▶ reopening ──opened──▶ idle ◀──release── transacting(n) ◀──claim── idle
 *                  └──(line already open)──────▲        (n ≤ capacity: 1 on RS-485, maxInFlight on TCP)
 *   idle | transacting ──line-lost──▶ reopening          (transactions still on it end, then it is reopened)
 *   stopped ──poll-once──▶ polling-once ──once-done──▶ stopped
 *   any but stopped ──stop──▶ stopping ──closed──▶ stopped
 *
 * A transaction holds the line from the moment it is given a slot (a poll for all its reads, a write for
 * its one request) until it lets it go; waiting for the silence between frames is part of holding it.
 */
export type LineState =
  | { readonly kind: 'stopped' }
  /** pollOnce(): every device polled once, outside the loop; writes are refused as when stopped */
  | { readonly kind: 'polling-once'; readonly downReason: string | undefined }
  /** not open, or it dropped: the loop opens it again once the transactions still on it have ended */
  | { readonly kind: 'reopening'; readonly downReason: string | undefined; readonly held: number }
  /** open, nothing on it */
  | { readonly kind: 'idle' }
  /** open, `held` transactions on it */
  | { readonly kind: 'transacting'; readonly held: number }
  /** stop(): no new transaction; the ones on the line end, then it is closed */
  | { readonly kind: 'stopping'; readonly held: number }

export type LineEvent =
  | { readonly type: 'start'; readonly lineOpen: boolean }
  | { readonly type: 'poll-once' }
  | { readonly type: 'once-done' }
  | { readonly type: 'opened' }
  /** the line dropped or would not open; without a reason when it was found closed without saying why */
  | { readonly type: 'line-lost'; readonly reason: string | undefined }
  | { readonly type: 'claim' }
  | { readonly type: 'release' }
  | { readonly type: 'stop' }
  | { readonly type: 'closed' }

export const STOPPED: LineState = { kind: 'stopped' }
const IDLE: LineState = { kind: 'idle' }

const transacting = (held: number): LineState => (held === 0 ? IDLE : { kind: 'transacting', held })

/** Transactions on the line now. */
export function heldOf(state: LineState): number {
  return state.kind === 'transacting' || state.kind === 'reopening' || state.kind === 'stopping' ? state.held : 0
}

/** Why the line is down, when it is (undefined also when it is merely not open yet). */
export function downReasonOf(state: LineState): string | undefined {
  return state.kind === 'reopening' || state.kind === 'polling-once' ? state.downReason : undefined
}

/**
 * The state after `event`, or undefined when the event is refused in this state: a claim on a full line
 * or on one that is not open, a release with nothing held, a second stop, a line lost twice.
 */
export function nextLineState(state: LineState, event: LineEvent, capacity: number): LineState | undefined {
  switch (event.type) {
    case 'start':
      if (state.kind !== 'stopped') return undefined
      return event.lineOpen ? IDLE : { kind: 'reopening', downReason: undefined, held: 0 }
    case 'poll-once':
      return state.kind === 'stopped' ? { kind: 'polling-once', downReason: undefined } : undefined
    case 'once-done':
      return state.kind === 'polling-once' ? STOPPED : undefined
    case 'opened':
      if (state.kind === 'polling-once') return { kind: 'polling-once', downReason: undefined }
      return state.kind === 'reopening' && state.held === 0 ? IDLE : undefined
    case 'line-lost':
      return lost(state, event.reason)
    case 'claim':
      if (state.kind === 'idle') return capacity > 0 ? transacting(1) : undefined
      return state.kind === 'transacting' && state.held < capacity ? transacting(state.held + 1) : undefined
    case 'release':
      return release(state)
    case 'stop':
      return state.kind === 'stopping' ? undefined : { kind: 'stopping', held: heldOf(state) }
    case 'closed':
      return state.kind === 'stopping' && state.held === 0 ? STOPPED : undefined
  }
}

function lost(state: LineState, reason: string | undefined): LineState | undefined {
  switch (state.kind) {
    case 'idle':
    case 'transacting':
      return { kind: 'reopening', downReason: reason, held: heldOf(state) }
    // down already: only a first reason is news
    case 'reopening':
      return state.downReason === undefined && reason !== undefined ? { ...state, downReason: reason } : undefined
    case 'polling-once':
      return state.downReason === undefined && reason !== undefined ? { kind: 'polling-once', downReason: reason } : undefined
    default:
      return undefined
  }
}

function release(state: LineState): LineState | undefined {
  switch (state.kind) {
    case 'transacting':
      return transacting(state.held - 1)
    case 'reopening':
      return state.held > 0 ? { ...state, held: state.held - 1 } : undefined
    case 'stopping':
      return state.held > 0 ? { kind: 'stopping', held: state.held - 1 } : undefined
    default:
      return undefined
  }
}
