import type { InterlockStep } from '../../../../protocols/commissioning/index.ts'
import { clipped, plain } from './figures.ts'

/** One of the agent's interlock events (protocols/mqtt InterlockEvent) of this interlock during the step. */
export interface InterlockSeen {
  ts: number
  state: 'tripped' | 'actuated' | 'confirmed' | 'failed' | 'restored' | 'reset' | 'bypassed' | 'bypass-ended' | 'suppressed'
  phase?: 'trip' | 'restore'
  reason?: string
  cause?: string
}

export interface InterlockInput {
  interlock: string
  output: { device: string; channel: string }
  feedback: { device: string; channel: string }
  feedbackMs: number
  /** in the order the agent emitted them */
  seen: readonly InterlockSeen[]
  /** declared instead of a trip: the trip would stop what must not stop */
  bypass?: { reason: string; by: string }
  /** the extreme the source reading reached, for the reason when it never tripped */
  peak?: number
  tripLevel?: number
}

/**
 * The interlock step, from the machine's events: tripped, output written (actuated), feedback
 * confirmed within feedbackMs (else the machine says `failed`, with why), then — once the condition
 * cleared for its restore time and, for a manual-reset interlock, after the reset — restored, the
 * restore written and its feedback confirmed. A declared bypass replaces the trip: the record says
 * bypassed, and a `suppressed` event shows the condition was met.
 */
export function interlockStep(input: InterlockInput): InterlockStep {
  const { interlock, output, feedback, feedbackMs, seen, bypass } = input
  const trip = seen.findIndex((e) => e.state === 'tripped')
  const after = trip < 0 ? [] : seen.slice(trip)
  const restore = after.findIndex((e) => e.state === 'restored')
  const tripPhase = restore < 0 ? after : after.slice(0, restore)
  const restorePhase = restore < 0 ? [] : after.slice(restore)
  const first = (events: readonly InterlockSeen[], state: InterlockSeen['state']) => events.find((e) => e.state === state)
  const times = {
    ...(trip >= 0 && { trippedAt: seen[trip]!.ts }),
    ...(first(tripPhase, 'actuated') && { actuatedAt: first(tripPhase, 'actuated')!.ts }),
    ...(first(tripPhase, 'confirmed') && { confirmedAt: first(tripPhase, 'confirmed')!.ts }),
    ...(restore >= 0 && { restoredAt: after[restore]!.ts }),
  }
  const base = { kind: 'interlock' as const, interlock, output, feedback, feedbackMs, ...times }
  if (bypass) {
    const suppressed = first(seen, 'suppressed')
    const reason = suppressed
      ? `bypassed: the trip condition was met and suppressed${suppressed.cause ? ` (${suppressed.cause})` : ''}`
      : 'bypassed: no suppressed event, so the trip condition was not shown to be met during the test'
    return { ...base, result: 'bypassed', bypass, reason: clipped(reason) }
  }
  const reason = failure(input, trip >= 0, tripPhase, restorePhase, seen)
  return { ...base, result: reason === undefined ? 'passed' : 'failed', ...(reason !== undefined && { reason: clipped(reason) }) }
}

function failure(input: InterlockInput, tripped: boolean, tripPhase: readonly InterlockSeen[], restorePhase: readonly InterlockSeen[], seen: readonly InterlockSeen[]): string | undefined {
  const { peak, tripLevel, output } = input
  if (!tripped) {
    const peaked = peak === undefined ? '' : `: the reading peaked at ${plain(peak)}${tripLevel === undefined ? '' : `, ${peak < tripLevel ? 'below' : 'at or beyond'} the trip level ${plain(tripLevel)}`}`
    return `never tripped${peaked}`
  }
  const failed = [...tripPhase, ...restorePhase].find((e) => e.state === 'failed')
  if (failed) return `${failed.phase === 'restore' ? 'restore' : 'trip'} failed: ${failed.reason ?? 'no reason given'}`
  if (!tripPhase.some((e) => e.state === 'actuated')) return `tripped, but writing ${output.device}/${output.channel} was never acknowledged`
  if (!tripPhase.some((e) => e.state === 'confirmed')) return `tripped, but the feedback ${input.feedback.device}/${input.feedback.channel} never confirmed it`
  if (restorePhase.length === 0) {
    return seen.some((e) => e.state === 'reset')
      ? 'reset accepted, but never restored: the condition did not stay clear for the restore time'
      : 'never restored: the condition did not clear for the restore time, or the interlock waits for a manual reset'
  }
  if (!restorePhase.some((e) => e.state === 'confirmed')) return `restored, but the feedback ${input.feedback.device}/${input.feedback.channel} never confirmed the restore`
  return undefined
}
