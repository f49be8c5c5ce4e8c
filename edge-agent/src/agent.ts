import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import { findUp } from '../../hardware-profiles/find-up.ts'
import type { Inventory } from '../../protocols/mqtt/index.ts'
import { issuedArgs, runningOnce, type CommandHandler, type StatusFields } from './uplink/index.ts'
import { DEFAULTS, safetySpecs, type ResolvedConfig } from './config/index.ts'
import { ControlServer, controlSocketPath } from './control/index.ts'
import { SafetyService } from './safety/service.ts'
import { interlockSourceDevices } from './safety/evaluators.ts'
import { Outbox, type NewEvent } from './outbox/index.ts'
import { bufferPathOf } from './outbox/buffer-path.ts'
import { PollEngine, type MasterFactory, type PollEvent } from './poll/engine.ts'
import { modbusSerialMasters } from './poll/engine.ts'
import { CommissioningDesk } from './commission/desk.ts'
import { readSigningKey, signingKeyPath } from './commission/signing-key.ts'
import { RunHistory } from './commission/history.ts'
import { isLocalCommandName } from './control/local-commands.ts'

export const AGENT_VERSION = (JSON.parse(readFileSync(findUp(import.meta.url, 'package.json'), 'utf8')) as { version: string }).version


/** What the agent needs of its MQTT uplink (edge-agent/src/uplink). */
export interface UplinkPort {
  start(): void
  stop(): Promise<void>
  /** new records are committed in the outbox */
  notify(): void
  publishInventory(inventory: Inventory): void
  /** commands from the fleet server (cmd/…) */
  onCommand?(handler: CommandHandler): void
}

export type UplinkFactory = (args: { config: ResolvedConfig; outbox: Outbox; status: () => StatusFields; logger: Logger }) => Promise<UplinkPort>

export interface AgentOptions {
  logger: Logger
  masters?: MasterFactory
  /** builds the MQTT uplink; absent when the config has no uplink */
  uplink?: UplinkFactory
  clock?: () => number
  /** serve the local control socket (edge-agent ack | reset | bypass | alarms); default true */
  control?: boolean
}

const CAPS_EVERY_MS = 5_000
const RECLAIM_EVERY_MS = 60_000
const INVENTORY_DEBOUNCE_MS = 1_000


/** An identity as the wire carries it: only the objects the device answered. */
const definedOnly = (identity: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) as Record<string, string>

function eventOf(event: PollEvent): NewEvent {
  switch (event.type) {
    case 'device-state':
      return { type: 'device-state', ts: event.ts, device: event.device, from: event.from, to: event.to, ...(event.reason !== undefined && { reason: event.reason.slice(0, 500) }) }
    case 'device-identity':
      return {
        type: 'device-identity', ts: event.ts, device: event.device,
        ...(event.identity && { identity: definedOnly(event.identity) }),
        ...(event.mismatch !== undefined && { mismatch: event.mismatch.slice(0, 500) }),
      }
    case 'line-state':
      return { type: 'line-state', ts: event.ts, bus: event.bus, state: event.state, ...(event.reason !== undefined && { reason: event.reason.slice(0, 500) }) }
  }
}

/**
 * The composition root of the gateway: poll engine → outbox (every sample and event, durable) →
 * uplink (drains the outbox to the fleet server). Constructors only store; start() does the work.
 */
export class Agent {
  readonly outbox: Outbox
  readonly engine: PollEngine
  readonly safety: SafetyService
  /** the gateway's side of a commissioning run */
  readonly commissioning: CommissioningDesk
  private readonly deviceStates = new Map<string, string>()
  /** the devices whose model was checked (FC 43/14 or signature), with the mismatch when it is not the profile's */
  private readonly identified = new Map<string, string | undefined>()
  private uplink: UplinkPort | undefined
  private control: ControlServer | undefined
  private readonly timers: NodeJS.Timeout[] = []
  private inventoryTimer: NodeJS.Timeout | undefined
  private readonly startedAt: number
  private readonly clock: () => number

  constructor(readonly config: ResolvedConfig, private readonly options: AgentOptions) {
    this.clock = options.clock ?? Date.now
    this.startedAt = this.clock()
    this.outbox = new Outbox({
      path: bufferPathOf(config),
      ...(config.buffer?.maxBytes !== undefined && { maxBytes: config.buffer.maxBytes }),
      ...(config.buffer?.maxAgeHours !== undefined && { maxAgeMs: config.buffer.maxAgeHours * 3_600_000 }),
      clock: this.clock,
      onCommit: () => this.uplink?.notify(),
    })
    const specs = safetySpecs(config)
    const timeZone = config.gateway.timezone ?? DEFAULTS.timezone
    const history = new RunHistory(this.outbox.runs(), timeZone)
    this.safety = new SafetyService(specs, {
      store: this.outbox,
      outputs: {
        write: (device, channel, value) => this.engine.write(device, channel, value),
        pollSoon: (device, afterMs) => this.engine.pollSoon(device, afterMs),
        arm: (device, channels) => this.engine.arm(device, channels),
      },
      logger: options.logger,
      timeZone,
      clock: this.clock,
      history,
      onRecorded: (transition) => this.commissioning.onTransition(transition),
    })
    this.commissioning = new CommissioningDesk({
      site: config.gateway.site,
      gateway: config.gateway.id,
      knownDevices: new Set(config.devices.map((d) => d.id)),
      testModeRefusal: (devices) => this.safety.testModeRefusal(devices),
      startTestMode: (devices, minutes, by) => this.safety.startTestMode(devices, minutes, by),
      endTestMode: (by, reason) => this.safety.endTestMode(by, reason),
      testMode: () => this.safety.testMode,
      deviceInfo: (device) => {
        const identity = this.engine.inventory().find((d) => d.device === device)?.identity
        const mismatch = this.identified.get(device)
        return {
          state: this.deviceStates.get(device) ?? 'unknown', identified: this.identified.has(device),
          ...(identity && { identity: definedOnly(identity) }), ...(mismatch !== undefined && { mismatch }),
        }
      },
      publicKey: () => readSigningKey(signingKeyPath(config)).publicKey,
      recordRun: (run, signed) => {
        const seq = this.outbox.recordRun(run, signed, this.clock())
        history.add(run)
        this.safety.recheckTests()
        return seq
      },
    })
    this.engine = new PollEngine(config, {
      samples: (samples) => {
        // queued first, so the events the samples cause are committed after them
        this.outbox.appendSamples(samples)
        this.safety.onSamples(samples)
        this.commissioning.onSamples(samples)
      },
      event: (event) => this.onPollEvent(event),
    }, options.masters ?? modbusSerialMasters, this.clock, { holdLine: interlockSourceDevices(specs.interlocks) })
  }

  /** One fleet command (cmd/…), run with the issuing user it names, each command id once. */
  private readonly handleCommand: CommandHandler = async (name, command) => this.safety.handleCommand(name, issuedArgs(command))

  async start(): Promise<void> {
    const { logger } = this.options
    this.outbox.commitEvent({ type: 'agent-started', ts: this.clock(), version: AGENT_VERSION, configHash: this.config.hash })
    if (this.config.uplink && this.options.uplink) {
      this.uplink = await this.options.uplink({ config: this.config, outbox: this.outbox, status: () => this.status(), logger })
      this.uplink.start()
    } else {
      logger.warn('no uplink in the config: buffering locally only')
    }
    this.engine.start()
    this.safety.start()
    this.uplink?.onCommand?.(runningOnce(this.handleCommand, this.outbox, this.clock))
    if (this.options.control !== false) {
      this.control = new ControlServer({ path: controlSocketPath(this.config), handler: async (name, args) => (isLocalCommandName(name) ? this.commissioning.handle(name, args) : this.safety.handleCommand(name, args)), logger })
      await this.control.start()
    }
    this.timers.push(setInterval(() => this.applyCaps(), CAPS_EVERY_MS))
    this.timers.push(setInterval(() => this.outbox.reclaim(), RECLAIM_EVERY_MS))
    this.scheduleInventory()
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer)
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer)
    await this.control?.stop()
    this.safety.stop()
    await this.engine.stop()
    this.outbox.flush()
    await this.uplink?.stop()
    this.outbox.close()
  }

  status(): StatusFields {
    const depth = this.outbox.depth()
    return {
      agentVersion: AGENT_VERSION,
      configHash: this.config.hash,
      uptimeS: Math.round((this.clock() - this.startedAt) / 1000),
      bufferDepth: depth.samples + depth.events + depth.pending,
      buses: this.engine.status().map((b) => ({
        id: b.id, open: b.open, load: Number(b.load.toFixed(4)),
        ...(b.cycleMs !== undefined && { cycleMs: b.cycleMs }),
        ...(b.budgetMs !== undefined && { budgetMs: b.budgetMs }),
      })),
    }
  }

  inventory(): Inventory {
    return {
      v: 1, gw: this.config.gateway.id, ts: this.clock(),
      devices: this.engine.inventory().map(({ identity, ...device }) => ({
        ...device,
        ...(identity && { identity: definedOnly(identity) }),
      })),
    }
  }

  private onPollEvent(event: PollEvent): void {
    this.outbox.commitEvent(eventOf(event))
    if (event.type === 'device-state') {
      this.deviceStates.set(event.device, event.to)
      this.safety.onDeviceState(event.device, event.to, event.ts)
    }
    const log = this.options.logger
    if (event.type === 'device-identity') {
      this.identified.set(event.device, event.mismatch)
      this.scheduleInventory()
    }
    if (event.type === 'device-state') log[event.to === 'online' ? 'info' : 'warn']({ device: event.device, from: event.from, reason: event.reason }, `device ${event.device} ${event.to}`)
    if (event.type === 'line-state') log[event.state === 'open' ? 'info' : 'warn']({ bus: event.bus, reason: event.reason }, `bus ${event.bus} ${event.state}`)
    if (event.type === 'device-identity' && event.mismatch) log.error({ device: event.device }, `device ${event.device} is not the configured model: ${event.mismatch}`)
  }

  private scheduleInventory(): void {
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer)
    this.inventoryTimer = setTimeout(() => this.uplink?.publishInventory(this.inventory()), INVENTORY_DEBOUNCE_MS)
  }

  private applyCaps(): void {
    for (const seq of this.outbox.enforceCaps()) this.options.logger.warn({ seq }, 'buffer cap reached: oldest telemetry dropped (see the buffer-overflow event)')
  }
}
