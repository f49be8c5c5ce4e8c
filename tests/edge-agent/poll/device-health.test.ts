import { describe, expect, it } from 'vitest'
import { INITIAL_HEALTH, isQuarantined, nextHealth, type Health, type PollOutcome } from '../../../edge-agent/src/poll/device-health.ts'

const options = { offlineAfter: 2, firstBackoffMs: 1000, maxBackoffMs: 8000 }
const noJitter = () => 0.5

function run(outcomes: PollOutcome[], start: Health = INITIAL_HEALTH) {
  let health = start
  const changes: string[] = []
  outcomes.forEach((outcome, i) => {
    const result = nextHealth(health, outcome, i * 100, `r${i}`, options, noJitter)
    health = result.health
    if (result.change) changes.push(`${result.change.from}->${result.change.to}`)
  })
  return { health, changes }
}

describe('device health', () => {
  it('goes online on the first answer and emits one change', () => {
    expect(run(['ok', 'ok', 'ok']).changes).toEqual(['unknown->online'])
  })

  it('stays online through one missed poll and goes offline, quarantined, on the second', () => {
    const one = run(['ok', 'no-answer'])
    expect(one.health.state).toBe('online')
    expect(one.health.quarantinedUntil).toBeUndefined()
    const two = run(['ok', 'no-answer', 'no-answer'])
    expect(two.changes).toEqual(['unknown->online', 'online->offline'])
    expect(two.health.quarantinedUntil).toBe(200 + 1000)
    expect(isQuarantined(two.health, 1199)).toBe(true)
    expect(isQuarantined(two.health, 1200)).toBe(false)
  })

  it('doubles the back-off on every failed probe up to the maximum, and resets on an answer', () => {
    const backoffs: number[] = []
    let health = INITIAL_HEALTH
    for (let i = 0; i < 8; i++) {
      health = nextHealth(health, 'no-answer', 0, 'x', options, noJitter).health
      backoffs.push(health.backoffMs)
    }
    expect(backoffs).toEqual([0, 1000, 2000, 4000, 8000, 8000, 8000, 8000])
    const back = nextHealth(health, 'ok', 0, undefined, options, noJitter)
    expect(back.change).toEqual({ from: 'offline', to: 'online', reason: undefined })
    expect(back.health).toMatchObject({ failures: 0, backoffMs: 0, quarantinedUntil: undefined })
  })

  it('jitters the probe time within ±20 %', () => {
    const offline = run(['no-answer']).health
    const early = nextHealth(offline, 'no-answer', 0, 'x', options, () => 0).health.quarantinedUntil
    const late = nextHealth(offline, 'no-answer', 0, 'x', options, () => 0.999999).health.quarantinedUntil
    expect(early).toBe(800)
    expect(late).toBe(1200)
  })

  it('a fault is its own state and keeps its reason; recovery clears it', () => {
    const fault = run(['ok', 'fault'])
    expect(fault.changes).toEqual(['unknown->online', 'online->fault'])
    expect(fault.health.reason).toBe('r1')
    expect(nextHealth(fault.health, 'ok', 0, undefined, options).health.reason).toBeUndefined()
  })
})
