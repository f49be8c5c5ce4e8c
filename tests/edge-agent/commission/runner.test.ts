import { describe, expect, it } from 'vitest'
import { safetySpecs } from '../../../edge-agent/src/config/index.ts'
import type { Plan } from '../../../edge-agent/src/commission/plan.ts'
import { CommissionError, commissionRun, type Installer, type RunContext, type RunPorts } from '../../../edge-agent/src/commission/runner.ts'
import type { GasStep, InterlockStep, Run, SignedRun, Step } from '../../../protocols/commissioning/index.ts'
import { generateSigningKey, signRun, verifySignedRun } from '../../../protocols/commissioning/index.ts'
import { GasWorld, type WorldOptions } from './gas-world.ts'
import { siteConfig } from './site-config.ts'

const T0 = Date.UTC(2026, 11, 7, 2, 0, 0)
const KEY = generateSigningKey()
const config = siteConfig()

const plan = (extra: Partial<Plan['devices'][number]> = {}): Plan => ({
  technician: { name: '李工', company: '乐平安装公司' },
  devices: [{
    device: 'ch4-1',
    zero: { seconds: 2 },
    gas: { name: 'CH4 in air', concentration: 2, unit: '%CH4', lot: 'L-2026-118', expiresOn: '2027-06-30' },
    ...extra,
  }],
})

function setup(world: Partial<WorldOptions> = {}, planned = plan(), installerActs?: (text: string) => void) {
  const sim = new GasWorld({ t0: T0, gas: 2, t90S: 20, ...world })
  const said: string[] = []
  const signedRuns: Run[] = []
  const installer: Installer = {
    say: (text) => said.push(text),
    status: () => {},
    act: async (text) => {
      installerActs?.(text)
      if (text.startsWith('APPLY')) sim.applyGas()
      if (text.startsWith('REMOVE')) sim.removeGas()
    },
  }
  const ctx: RunContext = { config, specs: safetySpecs(config), plan: planned, agentVersion: '0.1.0-test', dayOf: (ts) => new Date(ts).toISOString().slice(0, 10) }
  const ports: RunPorts = {
    agent: sim, installer, clock: sim.clock, sleep: sim.sleep,
    sign: (run) => {
      signedRuns.push(run)
      return signRun(run, KEY.privateKeyPem)
    },
  }
  return { world: sim, said, signedRuns, run: () => commissionRun(ctx, ports) }
}

async function commission(world: Partial<WorldOptions> = {}, planned = plan()) {
  const it = setup(world, planned)
  return { ...it, outcome: await it.run() }
}

const stepsOf = (run: Run): Step[] => run.devices[0]!.steps
const gasOf = (run: Run) => stepsOf(run).find((s): s is GasStep => s.kind === 'gas')!
const interlockOf = (run: Run) => stepsOf(run).find((s): s is InterlockStep => s.kind === 'interlock')!

describe('commissionRun against a simulated sensor and power cut', () => {
  it('a sensor and relay that work: every step passes, T90 near the sensor\'s, both levels raised, the trip confirmed and restored', async () => {
    const { outcome, world } = await commission()
    const { run } = outcome
    expect(stepsOf(run).map((s) => `${s.kind} ${s.result}`)).toEqual(['identity passed', 'zero passed', 'gas passed', 'interlock passed', 'calibration passed'])
    expect(run).toMatchObject({ result: 'passed', site: 'site1', gateway: 'gw1', purpose: 'commissioning', configHash: config.hash, agentVersion: '0.1.0-test', technician: { name: '李工' } })
    expect(run.devices[0]).toMatchObject({ device: 'ch4-1', profile: 'ccri-gjc4-catalytic-methane', system: 'monitoring', bus: 'line1', unit: 1, result: 'passed' })
    const gas = gasOf(run)
    expect(gas.t90S).toBeGreaterThanOrEqual(19)
    expect(gas.t90S).toBeLessThanOrEqual(21)
    expect(gas.levels.map((l) => [l.level, l.result])).toEqual([['alarm', 'passed'], ['power-off', 'passed']])
    expect(gas.recoveryS).toBeGreaterThan(0)
    const interlock = interlockOf(run)
    expect(interlock).toMatchObject({ interlock: 'ch4-power-cut', result: 'passed', output: { device: 'cut-1', channel: 'cut_1' } })
    expect(interlock.confirmedAt! - interlock.actuatedAt!).toBe(550)
    expect(interlock.restoredAt).toBeGreaterThan(interlock.confirmedAt!)
    expect(stepsOf(run).at(-1)).toMatchObject({ kind: 'calibration', calibratedOn: '2026-11-20', entered: false })
    expect(world.commands()).toEqual(['test-mode', 'ack-alarm', 'end-test-mode', 'record-run'])
    expect(world.calls[0]!.args).toEqual({ devices: ['ch4-1'], minutes: 60, by: '李工' })
  })

  it('record-run gets the very run that was signed, and it verifies with the gateway\'s key for its site', async () => {
    const { outcome, world, signedRuns } = await commission()
    expect(signedRuns).toEqual([outcome.run])
    const recorded = world.calls.find((c) => c.command === 'record-run')!.args.signed
    expect(recorded).toBe(outcome.signed)
    const verdict = verifySignedRun(recorded, { publicKey: KEY.publicKey, site: 'site1', gateway: 'gw1' })
    expect(verdict).toEqual({ ok: true, run: outcome.run })
    expect(outcome.message).toBe('record-run done')
  })

  it('a sensor whose reading never reaches the alarm level: the gas and interlock steps fail with why, and the run fails', async () => {
    const { outcome, world } = await commission({ gain: 0.4 })
    const { run } = outcome
    expect(run.result).toBe('failed')
    expect(run.devices[0]!.result).toBe('failed')
    const gas = gasOf(run)
    expect(gas.result).toBe('failed')
    expect(gas.levels.map((l) => [l.level, l.result])).toEqual([['alarm', 'failed'], ['power-off', 'failed']])
    expect(gas.levels[0]!.reason).toMatch(/^level alarm \(set point 1\.00 %CH4\) never raised: the reading peaked at 0\.80 %CH4$/u)
    expect(interlockOf(run)).toMatchObject({ result: 'failed', reason: expect.stringMatching(/^never tripped: the reading peaked at 0\.8\d*, below the trip level 1\.5$/u) })
    expect(world.commands()).toEqual(['test-mode', 'end-test-mode', 'record-run'])
  })

  it('a relay whose feedback never follows: the interlock step fails with the agent\'s reason, the gas step still passes', async () => {
    const { outcome } = await commission({ feedbackFollows: false })
    expect(gasOf(outcome.run).result).toBe('passed')
    expect(interlockOf(outcome.run)).toMatchObject({ result: 'failed', reason: 'trip failed: the feedback cut-1/feed_1 did not follow within 2000 ms' })
    expect(outcome.run.result).toBe('failed')
  })

  it('a declared bypass: bypassed before the gas, ended after it, and the step says bypassed (the device still passes)', async () => {
    const { outcome, world } = await commission({}, plan({ interlocks: { 'ch4-power-cut': { bypass: 'the local fan must not stop' } } }))
    expect(world.commands()).toEqual(['test-mode', 'bypass-interlock', 'ack-alarm', 'end-bypass', 'end-test-mode', 'record-run'])
    expect(world.calls.find((c) => c.command === 'bypass-interlock')!.args).toMatchObject({ interlock: 'ch4-power-cut', reason: 'commissioning of ch4-1: the local fan must not stop', by: '李工' })
    expect(world.calls.find((c) => c.command === 'end-bypass')!.args).toEqual({ interlock: 'ch4-power-cut', by: '李工' })
    expect(interlockOf(outcome.run)).toMatchObject({ result: 'bypassed', bypass: { reason: 'the local fan must not stop', by: '李工' }, reason: expect.stringContaining('the trip condition was met and suppressed') })
    expect(interlockOf(outcome.run).trippedAt).toBeUndefined()
    expect(outcome.run.result).toBe('passed')
  })

  it('a sensor reading off zero in clean air fails the zero step, with its mean and tolerance (2.5 % of the 0–4 range)', async () => {
    const { outcome } = await commission({ offset: 0.3 })
    const zero = stepsOf(outcome.run).find((s) => s.kind === 'zero')!
    expect(zero).toMatchObject({ result: 'failed', tolerance: 0.1, mean: 0.3 })
    expect(outcome.run.result).toBe('failed')
  })

  it('a sensor too slow for the T90 limit fails the gas step saying so', async () => {
    const { outcome } = await commission({ t90S: 45 })
    const gas = gasOf(outcome.run)
    expect(gas.result).toBe('failed')
    expect(gas.t90S).toBeGreaterThan(40)
    expect(gas.reasons).toEqual([expect.stringContaining('T90')])
  })

  it('a device that never answers: after waiting, the identity step fails and no gas is applied', async () => {
    const acts: string[] = []
    const it = setup({ state: 'offline' }, plan(), (text) => acts.push(text))
    const { run } = await it.run()
    expect(stepsOf(run)[0]).toMatchObject({ kind: 'identity', result: 'failed', reason: 'the device does not answer (offline)' })
    expect(run.result).toBe('failed')
    expect(acts.filter((a) => a.startsWith('APPLY'))).toEqual([])
  })

  it('the test mode running out before the run ends stops the run: what follows would not be a test', async () => {
    const short = setup({}, { ...plan({ zero: { seconds: 50 }, interlocks: { 'ch4-power-cut': { bypass: 'the local fan must not stop' } } }), testModeMinutes: 1 })
    await expect(short.run()).rejects.toThrow(new CommissionError('TEST_MODE_ENDED', 'the test mode ended before the run did (testModeMinutes in the plan sets how long it lasts): what follows would not be test events'))
    expect(short.world.commands()).toEqual(['test-mode', 'bypass-interlock', 'end-bypass', 'end-test-mode'])
    expect(short.signedRuns).toEqual([])
  })

  it('every planned device gets its own result, in plan order; one failing fails the run', async () => {
    const planned = plan()
    const { outcome, world } = await commission({}, { ...planned, devices: [...planned.devices, { device: 'ch4-2' }] })
    expect(outcome.run.devices.map((d) => [d.device, d.result])).toEqual([['ch4-1', 'passed'], ['ch4-2', 'failed']])
    expect(outcome.run.devices[1]!.steps).toEqual([expect.objectContaining({ kind: 'identity', result: 'failed', reason: 'the device does not answer (no poll result yet)' })])
    expect(outcome.run.result).toBe('failed')
    expect(world.calls[0]!.args).toEqual({ devices: ['ch4-1', 'ch4-2'], minutes: 60, by: '李工' })
  })

  it('the test mode ends when a step throws, and nothing is signed or recorded', async () => {
    const failing = setup({}, plan(), (text) => {
      if (text.startsWith('REMOVE')) throw new Error('the installer pressed Ctrl-C')
    })
    await expect(failing.run()).rejects.toThrow('the installer pressed Ctrl-C')
    expect(failing.world.commands()).toEqual(['test-mode', 'end-test-mode'])
    expect(failing.world.calls.at(-1)!.args).toEqual({ reason: 'the commissioning run ended', by: '李工' })
    expect(failing.signedRuns).toEqual([])
  })

  it('a run that throws with an interlock bypassed ends the bypass too, not only the test mode', async () => {
    const failing = setup({}, plan({ interlocks: { 'ch4-power-cut': { bypass: 'the local fan must not stop' } } }), (text) => {
      if (text.startsWith('REMOVE')) throw new Error('the installer pressed Ctrl-C')
    })
    await expect(failing.run()).rejects.toThrow('the installer pressed Ctrl-C')
    expect(failing.world.commands()).toEqual(['test-mode', 'bypass-interlock', 'end-bypass', 'end-test-mode'])
  })

  it('an agent refusal mid-run is a CommissionError naming the command; the test mode still ends', async () => {
    const refused = setup({}, plan({ interlocks: { 'ch4-power-cut': { bypass: 'the local fan must not stop' } } }))
    refused.world.answers.set('bypass-interlock', { ok: false, message: 'interlock ch4-power-cut is tripped' })
    await expect(refused.run()).rejects.toThrow(new CommissionError('AGENT_REFUSED', 'the agent refused bypass-interlock: interlock ch4-power-cut is tripped'))
    expect(refused.world.commands()).toEqual(['test-mode', 'bypass-interlock', 'end-test-mode'])
    expect(refused.signedRuns).toEqual([])
  })

  it('a refused record is the run\'s failure, not a silent success', async () => {
    const refused = setup()
    refused.world.answers.set('record-run', { ok: false, message: 'run refused (OTHER_SITE): the run claims site x' })
    await expect(refused.run()).rejects.toThrow('the agent refused record-run: run refused (OTHER_SITE): the run claims site x')
    expect(refused.signedRuns).toHaveLength(1)
  })
})
