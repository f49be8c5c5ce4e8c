import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { testedInstallations, type RunOutcome, type SystemDevice } from '../../../fleet-server/src/commissioning-runs/index.ts'

// 2026-12-01 10:00 in Shanghai; a day is 86,400,000 ms
const T0 = Date.UTC(2026, 11, 1, 2, 0, 0)
const DAY = 86_400_000

const DEVICES: SystemDevice[] = [
  { gatewayId: 'gw-1', device: 'ch4-1', system: 'monitoring' },
  { gatewayId: 'gw-1', device: 'ch4-2', system: 'monitoring' },
  { gatewayId: 'gw-1', device: 'fan-1', system: 'ventilation' },
]

function run(runId: string, endedAt: number, devices: Record<string, 'passed' | 'failed'>, gatewayId = 'gw-1'): RunOutcome {
  const results = Object.entries(devices).map(([device, result]) => ({ device, result }))
  return { gatewayId, runId, endedAt, result: results.every((d) => d.result === 'passed') ? 'passed' : 'failed', devices: results }
}

describe('testedInstallations', () => {
  it('a system is installed once every one of its devices passed: dated the day of the run that completed the set', () => {
    const first = run('r1', T0, { 'ch4-1': 'passed' })
    expect(testedInstallations(DEVICES, [first])).toEqual([])
    const second = run('r2', T0 + 2 * DAY, { 'ch4-2': 'passed' })
    expect(testedInstallations(DEVICES, [first, second])).toEqual([
      { system: 'monitoring', commissionedOn: '2026-12-03', runIds: ['r1', 'r2'], devices: ['ch4-1', 'ch4-2'], completedBy: { gatewayId: 'gw-1', runId: 'r2' } },
    ])
  })

  it('the day is Asia/Shanghai\'s: a run ending at 17:00 UTC ended the next day', () => {
    const late = run('r1', Date.UTC(2026, 11, 1, 17, 0, 0), { 'ch4-1': 'passed', 'ch4-2': 'passed' })
    expect(testedInstallations(DEVICES, [late])[0]?.commissionedOn).toBe('2026-12-02')
  })

  it('a failed device never counts, and a failed run never completes a system', () => {
    expect(testedInstallations(DEVICES, [run('r1', T0, { 'ch4-1': 'passed', 'ch4-2': 'failed' })])).toEqual([])
    // ch4-2 passed, but in a run that failed (fan-1 failed): monitoring waits for a passed run
    const failedRun = run('r2', T0 + DAY, { 'ch4-2': 'passed', 'fan-1': 'failed' })
    expect(failedRun.result).toBe('failed')
    expect(testedInstallations(DEVICES, [run('r1', T0, { 'ch4-1': 'passed', 'ch4-2': 'failed' }), failedRun])).toEqual([])
    const retest = run('r3', T0 + 3 * DAY, { 'ch4-1': 'passed' })
    expect(testedInstallations(DEVICES, [run('r1', T0, { 'ch4-1': 'passed', 'ch4-2': 'failed' }), failedRun, retest])).toEqual([
      { system: 'monitoring', commissionedOn: '2026-12-04', runIds: ['r1', 'r2', 'r3'], devices: ['ch4-1', 'ch4-2'], completedBy: { gatewayId: 'gw-1', runId: 'r3' } },
    ])
  })

  it('the first date: runs arriving out of order give the day the set was first complete', () => {
    const later = run('r-late', T0 + 5 * DAY, { 'ch4-1': 'passed', 'ch4-2': 'passed' })
    const early = run('r-early', T0, { 'ch4-1': 'passed', 'ch4-2': 'passed' })
    expect(testedInstallations(DEVICES, [later, early])).toEqual([
      { system: 'monitoring', commissionedOn: '2026-12-01', runIds: ['r-early'], devices: ['ch4-1', 'ch4-2'], completedBy: { gatewayId: 'gw-1', runId: 'r-early' } },
    ])
  })

  it('devices are told apart by gateway: a pass of the same device id on another gateway does not count', () => {
    const devices: SystemDevice[] = [{ gatewayId: 'gw-1', device: 'ch4-1', system: 'monitoring' }, { gatewayId: 'gw-2', device: 'ch4-1', system: 'monitoring' }]
    const one = run('r1', T0, { 'ch4-1': 'passed' }, 'gw-1')
    expect(testedInstallations(devices, [one])).toEqual([])
    expect(testedInstallations(devices, [one, run('r2', T0 + DAY, { 'ch4-1': 'passed' }, 'gw-2')])).toMatchObject([{ system: 'monitoring', runIds: ['r1', 'r2'] }])
  })

  it('a passed run of devices of no listed system completes nothing; a system without devices is never installed by test', () => {
    expect(testedInstallations([], [run('r1', T0, { 'ch4-1': 'passed' })])).toEqual([])
    expect(testedInstallations(DEVICES, [run('r1', T0, { 'other': 'passed' })])).toEqual([])
  })

  it('property: a system is installed exactly when each of its devices passed in some run and a passed run came at or after the last first pass', () => {
    const names = ['a', 'b', 'c']
    const runArb = fc.record({
      endedAt: fc.integer({ min: 0, max: 20 }).map((d) => T0 + d * DAY),
      results: fc.dictionary(fc.constantFrom(...names), fc.constantFrom<'passed' | 'failed'>('passed', 'failed'), { minKeys: 1 }),
    })
    fc.assert(fc.property(fc.array(runArb, { maxLength: 6 }), fc.subarray(names, { minLength: 1 }), (specs, members) => {
      const runs = specs.map((s, i) => run(`r${i}`, s.endedAt, s.results))
      const devices = members.map((device) => ({ gatewayId: 'gw-1', device, system: 'monitoring' }))
      const result = testedInstallations(devices, runs)
      const firstPass = (device: string) => Math.min(...runs.filter((r) => r.devices.some((d) => d.device === device && d.result === 'passed')).map((r) => r.endedAt))
      const lastFirst = Math.max(...members.map(firstPass))
      const completing = runs.filter((r) => r.result === 'passed' && r.endedAt >= lastFirst && r.devices.some((d) => members.includes(d.device) && d.result === 'passed'))
      const expected = Number.isFinite(lastFirst) && completing.length > 0
      expect(result.length).toBe(expected ? 1 : 0)
      if (expected) {
        const day = Math.min(...completing.map((r) => r.endedAt))
        expect(result[0]!.commissionedOn).toBe(new Date(day + 8 * 3_600_000).toISOString().slice(0, 10))
      }
    }))
  })
})
