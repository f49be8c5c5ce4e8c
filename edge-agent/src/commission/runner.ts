import { ProductError } from '../../../protocols/errors.ts'
import type { DeviceRun, GasStep, InterlockStep, Run, SignedRun, Step } from '../../../protocols/commissioning/index.ts'
import type { ResolvedConfig, SafetySpecs } from '../config/index.ts'
import type { InterlockSpec } from '../interlocks/spec.ts'
import { gasStep, interlockStep, plateauReached, recovered, zeroStep, type LevelSpec, type Reading } from './analysis/index.ts'
import { calibrationStep, identityStep } from './device-steps.ts'
import type { TestFeed } from './desk.ts'
import { FeedLog } from './feed-log.ts'
import type { Plan, PlanDevice, PlanGas } from './plan.ts'

/** The running agent, as the run reaches it (the control socket, or in process for the demo). */
export interface AgentCalls {
  call(command: string, args: Record<string, unknown>): Promise<{ ok: boolean; message?: string; data?: unknown }>
}

/** The installer at the gateway: told what to do, and (interactively) confirming each action with Enter. */
export interface Installer {
  say(text: string): void
  /** a live reading or countdown (overwritten on a terminal) */
  status(text: string): void
  /** the installer does it now; resolves when they confirm (at once with --yes) */
  act(text: string): Promise<void>
}

export interface RunContext {
  config: ResolvedConfig
  specs: SafetySpecs
  plan: Plan
  agentVersion: string
  /** YYYY-MM-DD of an instant in the gateway's time zone */
  dayOf(ts: number): string
}

export interface RunPorts {
  agent: AgentCalls
  installer: Installer
  clock(): number
  sleep(ms: number): Promise<void>
  sign(run: Run): SignedRun
}

const FEED_EVERY_MS = 250
const ONLINE_WITHIN_MS = 30_000
const DEFAULT_ZERO_SECONDS = 10
const DEFAULT_T90_LIMIT_S = 30
const DEFAULT_RECOVERY_LIMIT_S = 60
const DEFAULT_ERROR_TOLERANCE = 0.1
const DEFAULT_MAX_EXPOSURE_S = 180
const DEFAULT_TEST_MODE_MINUTES = 60
/** the share of the measuring range a clean-air reading may be off zero by default */
const ZERO_TOLERANCE_OF_RANGE = 0.025
/** waiting for the interlocks to restore after the reading recovered: their restore time plus this */
const RESTORE_MARGIN_MS = 10_000

export class CommissionError extends ProductError {
  constructor(readonly code: 'AGENT_REFUSED' | 'TEST_MODE_ENDED' | 'NO_GAS_CHANNEL', message: string) {
    super(message)
  }
}

/**
 * One commissioning run: declare the test mode, then per planned device its steps (identity, zero,
 * test gas with the interlocks it trips, calibration), sign the record and hand it to the agent,
 * which keeps it and sends it through the outbox. The test mode ends however the run ends.
 */
export async function commissionRun(ctx: RunContext, ports: RunPorts): Promise<{ run: Run; signed: SignedRun; message: string }> {
  const { plan } = ctx
  const { agent, installer, clock } = ports
  const devices = plan.devices.map((d) => d.device)
  const minutes = plan.testModeMinutes ?? DEFAULT_TEST_MODE_MINUTES
  const started = await call(agent, 'test-mode', { devices, minutes, by: plan.technician.name })
  const { until, interlocks } = started.data as { until: number; interlocks: string[] }
  installer.say(`test mode: ${devices.join(', ')} until ${new Date(until).toISOString()}; their alarms and the trips of ${interlocks.length > 0 ? interlocks.join(', ') : 'no interlock'} are test events`)
  const log = new FeedLog()
  log.cursor = (started.data as { cursor: number }).cursor
  const watch = new Watch(log, ports)
  const startedAt = clock()
  const results: DeviceRun[] = []
  try {
    for (const planned of plan.devices) results.push(await runDevice(ctx, planned, watch, ports))
  } finally {
    await agent.call('end-test-mode', { reason: 'the commissioning run ended', by: plan.technician.name }).catch(() => undefined)
  }
  const result = results.every((d) => d.result === 'passed') ? 'passed' : 'failed'
  const run: Run = {
    v: 1,
    id: `${ctx.config.gateway.id}:${startedAt}`,
    purpose: plan.purpose ?? 'commissioning',
    site: ctx.config.gateway.site,
    gateway: ctx.config.gateway.id,
    agentVersion: ctx.agentVersion,
    configHash: ctx.config.hash,
    technician: plan.technician,
    startedAt,
    endedAt: clock(),
    result,
    devices: results,
  }
  const signed = ports.sign(run)
  const recorded = await call(agent, 'record-run', { signed })
  return { run, signed, message: recorded.message ?? `run ${run.id} recorded` }
}

async function call(agent: AgentCalls, command: string, args: Record<string, unknown>): Promise<{ message?: string; data?: unknown }> {
  const reply = await agent.call(command, args)
  if (!reply.ok) throw new CommissionError('AGENT_REFUSED', `the agent refused ${command}: ${reply.message ?? 'no reason given'}`)
  return reply
}

/** Keeps the feed log current while a step waits for something to happen. */
class Watch {
  constructor(readonly log: FeedLog, private readonly ports: RunPorts) {}

  async refresh(): Promise<void> {
    const reply = await call(this.ports.agent, 'test-feed', { after: this.log.cursor })
    const feed = reply.data as TestFeed
    this.log.add(feed)
    // the desk feeds nothing outside a test mode, and the agent's alarms and trips would be real ones
    if (feed.testMode === null) throw new CommissionError('TEST_MODE_ENDED', 'the test mode ended before the run did (testModeMinutes in the plan sets how long it lasts): what follows would not be test events')
  }

  /** Refresh until `done` answers true or `ms` passed; returns whether it did. */
  async until(done: () => boolean, ms: number, status?: () => string): Promise<boolean> {
    const end = this.ports.clock() + ms
    for (;;) {
      await this.refresh()
      if (done()) return true
      if (status) this.ports.installer.status(status())
      if (this.ports.clock() >= end) return false
      await this.ports.sleep(FEED_EVERY_MS)
    }
  }
}

async function runDevice(ctx: RunContext, planned: PlanDevice, watch: Watch, ports: RunPorts): Promise<DeviceRun> {
  const device = ctx.config.devices.find((d) => d.id === planned.device)!
  const profile = device.loadedProfile
  const { installer } = ports
  installer.say(`— ${device.id} (${profile.vendor} ${profile.model}, ${device.bus} unit ${device.unit}${device.location ? `, ${device.location}` : ''})`)
  const ready = () => {
    const info = watch.log.device(device.id)
    return info?.state === 'online' && (info.identified || profile.identification.none === true)
  }
  await watch.until(ready, ONLINE_WITHIN_MS, () => `waiting for ${device.id} to answer and be identified (${watch.log.device(device.id)?.state ?? 'unknown'})`)
  const steps: Step[] = [identityStep(profile, watch.log.device(device.id))]
  installer.say(`  identity: ${describe(steps[0]!)}`)
  // test gas on a device the gateway cannot read proves nothing, and only keeps the installer waiting
  const answers = watch.log.device(device.id)?.state === 'online'
  if (planned.gas && !answers) installer.say(`  no test gas: ${device.id} does not answer, so its readings could not be judged`)
  if (planned.gas && answers) {
    const gasSteps = await gasAndInterlocks(ctx, planned, planned.gas, watch, ports)
    steps.push(...gasSteps)
    steps.push(calibrationStep(planned.calibratedOn, device.calibratedOn))
    installer.say(`  calibration: ${describe(steps.at(-1)!)}`)
  }
  const result = steps.every((s) => s.result !== 'failed') ? 'passed' : 'failed'
  installer.say(`  ${device.id}: ${result.toUpperCase()}`)
  return {
    device: device.id,
    ...((device.system ?? profile.systems[0]) !== undefined && { system: device.system ?? profile.systems[0] }),
    profile: profile.id,
    kind: profile.kind,
    bus: device.bus,
    unit: device.unit,
    ...(device.location !== undefined && { location: device.location.slice(0, 250) }),
    result,
    steps,
  }
}

/** zero, then the gas on and off, judging the levels and every interlock this device feeds */
async function gasAndInterlocks(ctx: RunContext, planned: PlanDevice, gas: PlanGas, watch: Watch, ports: RunPorts): Promise<Step[]> {
  const { installer, clock, agent } = ports
  const device = ctx.config.devices.find((d) => d.id === planned.device)!
  const alarmSpec = gas.channel !== undefined
    ? ctx.specs.alarms.find((a) => a.device === device.id && a.channel === gas.channel)
    : ctx.specs.alarms.find((a) => a.device === device.id && a.levels.length > 0)
  const channelId = gas.channel ?? alarmSpec?.channel
  if (channelId === undefined) throw new CommissionError('NO_GAS_CHANNEL', `${device.id} has no channel with alarm levels: name the gas channel in the plan (devices[].gas.channel)`)
  const channel = device.loadedProfile.channels.find((c) => c.id === channelId)!
  const unit = channel.unit ?? gas.unit
  const levels: LevelSpec[] = (alarmSpec?.levels ?? []).map((l) => ({ level: l.level, direction: l.direction, setPoint: l.value, restore: l.restore, onDelayMs: l.onDelayMs }))
  const fed = ctx.specs.interlocks.filter((spec) => spec.conditions.some((c) => c.device === device.id))
  const readings = (): Reading[] => watch.log.readings(device.id, channelId)
  const latest = () => readings().at(-1)?.value
  const shown = () => { const v = latest(); return v === undefined || v === null ? '—' : `${v.toFixed(2)} ${unit}` }

  // zero
  const zeroSeconds = planned.zero?.seconds ?? DEFAULT_ZERO_SECONDS
  const tolerance = planned.zero?.tolerance ?? (channel.range ? (channel.range.max - channel.range.min) * ZERO_TOLERANCE_OF_RANGE : 0)
  await ports.installer.act(`make sure ${device.id} reads clean air (no test gas on it)`)
  const zeroFrom = clock()
  await watch.until(() => clock() - zeroFrom >= zeroSeconds * 1000, zeroSeconds * 1000, () => `${device.id} clean air: ${shown()} (${Math.max(0, Math.ceil(zeroSeconds - (clock() - zeroFrom) / 1000))} s)`)
  const zero = zeroStep({ channel: channelId, unit, tolerance, readings: readings().filter((r) => r.ts >= zeroFrom) })
  installer.say(`  zero: ${describe(zero)}`)

  const bypassed = new Map<string, string>()
  const t90LimitS = gas.t90LimitS ?? DEFAULT_T90_LIMIT_S
  const recoveryLimitS = gas.recoveryLimitS ?? DEFAULT_RECOVERY_LIMIT_S
  let appliedAt: number
  let removedAt: number
  try {
    // declared bypasses instead of trips
    for (const [id, { bypass }] of Object.entries(planned.interlocks ?? {})) {
      await call(agent, 'bypass-interlock', { interlock: id, reason: `commissioning of ${device.id}: ${bypass}`.slice(0, 500), minutes: ctx.plan.testModeMinutes ?? DEFAULT_TEST_MODE_MINUTES, by: ctx.plan.technician.name })
      bypassed.set(id, bypass)
      installer.say(`  ${id}: bypassed for the test (${bypass})`)
    }

    // gas on until the reading settles
    await ports.installer.act(`APPLY the test gas now: ${gas.concentration} ${gas.unit} ${gas.name} (lot ${gas.lot}, expires ${gas.expiresOn}) to ${device.id}`)
    appliedAt = clock()
    const baseline = zero.mean ?? 0
    await watch.until(
      () => plateauReached(readings(), { appliedAt, gas: gas.concentration, baseline }) !== undefined,
      (gas.maxExposureS ?? DEFAULT_MAX_EXPOSURE_S) * 1000,
      () => `${device.id} under gas: ${shown()} after ${((clock() - appliedAt) / 1000).toFixed(0)} s`,
    )
    // gas off until the reading is back on the safe side of every level
    await ports.installer.act(`REMOVE the test gas from ${device.id} now`)
    removedAt = clock()
    await watch.until(
      () => recovered(readings(), { removedAt, levels, gas: gas.concentration, baseline }) !== undefined,
      recoveryLimitS * 2000,
      () => `${device.id} recovering: ${shown()} after ${((clock() - removedAt) / 1000).toFixed(0)} s`,
    )
    await clearAfterTest(ctx, device.id, channelId, fed, bypassed, watch, ports)
  } catch (error) {
    // a run stopped half-way must not leave the interlocks it bypassed without their protection
    for (const id of bypassed.keys()) await agent.call('end-bypass', { interlock: id, by: ctx.plan.technician.name }).catch(() => undefined)
    throw error
  }

  const gasResult: GasStep = gasStep({
    test: gas.test ?? 'span', channel: channelId, unit,
    gas: { name: gas.name, concentration: gas.concentration, unit: gas.unit, lot: gas.lot, expiresOn: gas.expiresOn },
    appliedAt, removedAt, readings: readings().filter((r) => r.ts >= zeroFrom),
    baselineReadings: readings().filter((r) => r.ts >= zeroFrom && r.ts < appliedAt),
    levels, alarms: watch.log.alarms(device.id, channelId).filter((a) => a.kind === 'level'),
    limits: { t90LimitS, recoveryLimitS, errorTolerance: gas.errorTolerance ?? DEFAULT_ERROR_TOLERANCE },
  })
  installer.say(`  gas: ${describe(gasResult)}`)
  const peak = Math.max(...readings().filter((r) => r.ts >= appliedAt && r.value !== null).map((r) => r.value!))
  const interlockSteps: InterlockStep[] = fed.map((spec) => {
    const condition = spec.conditions.find((c) => c.device === device.id && c.kind === 'value')
    const bypass = bypassed.get(spec.id)
    const step = interlockStep({
      interlock: spec.id,
      output: { device: spec.action.device, channel: spec.action.channel },
      feedback: { device: spec.action.feedback.device, channel: spec.action.feedback.channel },
      feedbackMs: spec.action.feedbackMs,
      seen: watch.log.interlock(spec.id),
      ...(bypass !== undefined && { bypass: { reason: bypass, by: ctx.plan.technician.name } }),
      ...(Number.isFinite(peak) && { peak }),
      ...(condition?.kind === 'value' && typeof condition.value === 'number' && { tripLevel: condition.value }),
    })
    installer.say(`  interlock ${spec.id}: ${describe(step)}`)
    return step
  })
  return [zero, gasResult, ...interlockSteps]
}

/**
 * After the gas: acknowledge the test's latched alarms, reset the tripped manual-reset interlocks and
 * end the bypasses, then wait for every interlock the device feeds to restore (its restore time plus
 * a margin) — the record shows the restore, or that it did not come.
 */
async function clearAfterTest(ctx: RunContext, device: string, channel: string, fed: readonly InterlockSpec[], bypassed: ReadonlyMap<string, string>, watch: Watch, ports: RunPorts): Promise<void> {
  const by = ctx.plan.technician.name
  if (watch.log.alarms(device, channel).some((a) => a.state === 'raised' || a.state === 'escalated')) {
    await ports.agent.call('ack-alarm', { device, channel, by })
  }
  for (const id of bypassed.keys()) await ports.agent.call('end-bypass', { interlock: id, by })
  const tripped = fed.filter((spec) => !bypassed.has(spec.id) && watch.log.interlock(spec.id).some((e) => e.state === 'tripped'))
  if (tripped.length === 0) return
  for (const spec of tripped.filter((s) => s.manualReset)) {
    const reply = await ports.agent.call('reset-interlock', { interlock: spec.id, by })
    ports.installer.say(`  ${spec.id}: reset (${reply.ok ? 'accepted' : `refused: ${reply.message ?? ''}`})`)
  }
  const waitMs = Math.max(...tripped.map((s) => s.restoreAfterMs + s.action.feedbackMs)) + RESTORE_MARGIN_MS
  const restoredAll = () => tripped.every((spec) => {
    const seen = watch.log.interlock(spec.id)
    const restore = seen.findIndex((e) => e.state === 'restored')
    return restore >= 0 && seen.slice(restore).some((e) => e.state === 'confirmed' || e.state === 'failed')
  })
  await watch.until(restoredAll, waitMs, () => `waiting for ${tripped.map((s) => s.id).join(', ')} to restore`)
}

function describe(step: Step): string {
  const verdict = step.result === 'passed' ? 'passed' : step.result === 'bypassed' ? 'BYPASSED' : 'FAILED'
  switch (step.kind) {
    case 'gas':
      return `${verdict}: T90 ${step.t90S ?? '—'} s, plateau ${step.plateau?.toFixed(2) ?? '—'} ${step.unit} (${step.error === null ? '—' : `${(step.error * 100).toFixed(1)} %`}), levels ${step.levels.map((l) => `${l.level} ${l.result}`).join(', ') || 'none below the gas'}, recovery ${step.recoveryS ?? '—'} s${step.reasons.length > 0 ? ` — ${step.reasons.join('; ')}` : ''}`
    case 'zero':
      return `${verdict}: mean ${step.mean?.toFixed(3) ?? '—'} ${step.unit} (±${step.tolerance})${step.reason ? ` — ${step.reason}` : ''}`
    case 'interlock': {
      const feedback = step.actuatedAt !== undefined && step.confirmedAt !== undefined ? `, feedback in ${step.confirmedAt - step.actuatedAt} ms` : ''
      return `${verdict}${feedback}${step.reason ? ` — ${step.reason}` : ''}`
    }
    default:
      return `${verdict}${step.reason ? ` — ${step.reason}` : ''}`
  }
}
