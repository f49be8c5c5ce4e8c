/**
 * An RS-485 line for tests that must not find what a pty pair shows at every setting: the relay of
 * rs485-relay.py (bytes pass only between ends set to the same baud rate and data bits, garbled as
 * a UART at the wrong rate garbles them otherwise; parity is not visible through a pty and not
 * modelled), and the acceptance bus of issue 16 on it: five devices, each on its own drop.
 *
 *   const relay = await startRs485Relay({ dir: tmp.path, drops: 2 })   // relay.master, relay.drops[0..1]
 *   const bus = await startAcceptanceBus({ baud: 19200 })             // bus.master, bus.devices
 *   ...
 *   await bus.stop()
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadLibrary, type Profile } from '../../hardware-profiles/index.ts'
import type { Table, WordOrder } from '../../protocols/modbus/index.ts'
import { tempDir, unitSpec } from './gateway-config.ts'
import { startReady, SYSTEM_PYTHON, type ManagedProcess } from './processes.ts'
import { valueOf } from './until.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
const RELAY = join(ROOT, 'tests/support/rs485-relay.py')
const RTU_DEVICE = join(ROOT, 'tests/support/pymodbus/rtu_device.py')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')

/** The rates installers meet on site, most common first (issue 16). */
export const INSTALLER_BAUDS = [9600, 19200, 4800, 38400, 115200, 2400, 57600, 1200] as const

/**
 * Bytes per direction ("master>drop1", "drop2>master", "drop1>drop2"): the sender's bytes that passed intact
 * or arrived garbled, the bytes the receiver can read (`delivered`) and those its queue had no room for.
 */
export type RelayTally = Record<string, { passed: number; garbled: number; delivered: number; overflow: number }>

export interface Rs485Relay {
  /** the bus master's end (a symlink to a /dev/pts/N) */
  master: string
  /** each device's end, drop1 first */
  drops: string[]
  proc: ManagedProcess
  /** The relay's counts so far (it prints them on SIGUSR1). */
  tally(): Promise<RelayTally>
  stop(): Promise<void>
}

/**
 * Start rs485-relay.py with its ends linked at DIR/master and DIR/drop1..N. `crosstalk` (default true):
 * drops hear each other, as on a shared pair; see the relay's docstring for what that costs without wire time.
 */
export async function startRs485Relay(options: { dir: string; drops: number; crosstalk?: boolean }): Promise<Rs485Relay> {
  const master = join(options.dir, 'master')
  const drops = Array.from({ length: options.drops }, (_, i) => join(options.dir, `drop${i + 1}`))
  const args = ['--master', master, ...drops.flatMap((d) => ['--drop', d]), ...(options.crosstalk === false ? ['--no-crosstalk'] : [])]
  const { proc } = await startReady(SYSTEM_PYTHON, [RELAY, ...args], /^ready /u, {
    name: 'rs485-relay',
  })
  const tallies = (): string[] => proc.stdout.split('\n').filter((line) => line.startsWith('tally '))
  return {
    master,
    drops,
    proc,
    async tally() {
      const before = tallies().length
      proc.child.kill('SIGUSR1')
      const line = await valueOf('the relay\'s tally', () => {
        if (proc.exit) throw new Error(`the relay has ended: ${proc.describe()}`)
        return tallies()[before]
      }, { timeoutMs: 5_000 })
      return JSON.parse(line.slice('tally '.length)) as RelayTally
    },
    async stop() {
      await proc.stop()
    },
  }
}

/** Sum of one count over every direction that `from` (e.g. 'master', 'drop2') sends or `to` receives. */
export function tallied(tally: RelayTally, what: keyof RelayTally[string], from = '', to = ''): number {
  let sum = 0
  for (const [direction, counts] of Object.entries(tally)) {
    const [sender, receiver] = direction.split('>')
    if ((from === '' || sender === from) && (to === '' || receiver === to)) sum += counts[what]
  }
  return sum
}

type Parity = 'none' | 'even' | 'odd'

/** Registers a device holds and reads back exactly. */
export interface HeldBlock {
  table: Table
  address: number
  values: number[]
}

/** One device of the acceptance bus, as the test that put it there knows it. */
export interface BusDevice {
  unit: number
  kind: 'pymodbus' | 'simulator'
  /** its end of the relay */
  drop: string
  /** the library profile it is a device of; absent: a layout the library does not know */
  profile?: string
  /** how a scan can tell: FC 43/14 answered with the profile's deviceId, the profile's signature registers, or nothing */
  identifiedBy: 'device-id' | 'signature' | 'none'
  /** registers it holds exactly (a known profile's first test vector) */
  holds: HeldBlock[]
  /** a float32 the library does not describe: where, in which word order */
  floatOrder?: { table: Table; address: number; order: WordOrder }
  /** the range that float stays in (it drifts slowly, as a live reading does) */
  floatRange?: { min: number; max: number }
}

export interface AcceptanceBus {
  master: string
  baud: number
  parity: Parity
  devices: BusDevice[]
  relay: Rs485Relay
  stop(): Promise<void>
}

let library: Profile[] | undefined
function libraryProfile(id: string): Profile {
  library ??= loadLibrary()
  const profile = library.find((p) => p.id === id)
  if (!profile) throw new Error(`no profile ${id} in hardware-profiles/library`)
  return profile
}

/** A known profile's first test vector as blocks (the simulator's `static` scenario and unitSpec serve exactly these). */
function vectorBlocks(profileId: string): HeldBlock[] {
  const registers = libraryProfile(profileId).vectors[0]!.registers
  return (['coil', 'discrete', 'holding', 'input'] as const).flatMap((table) =>
    Object.entries(registers[table] ?? {}).map(([address, values]) => ({ table, address: Number(address), values })))
}

const UNKNOWN_FLOAT = { table: 'holding', address: 0, order: 'CDAB' } as const
const UNKNOWN_STATUS: HeldBlock = { table: 'holding', address: 2, values: [0x0001, 0x0000] }
// 0.72–0.74 keeps the float's two high bytes apart (0x3F38…0x3F3D): from 0.7471 to 0.7500 they are equal
// (0x3F3F), and a word-swapped float then reads almost alike in DCBA, which no judgement can tell apart
const DRIFT = { value: 0.73, amplitude: 0.01, periodS: 60 }

interface PymodbusDevice {
  device: Omit<BusDevice, 'drop'>
  spec: Record<string, unknown>
}

function pymodbusDevices(): PymodbusDevice[] {
  const combustible = 'generic-gtq-lel100-combustible'
  const methane = 'ccri-gjc4-catalytic-methane'
  return [
    {
      device: { unit: 1, kind: 'pymodbus', profile: combustible, identifiedBy: 'device-id', holds: vectorBlocks(combustible) },
      spec: { ...unitSpec(libraryProfile(combustible), 0), refuse: [17] },
    },
    {
      device: { unit: 17, kind: 'pymodbus', profile: methane, identifiedBy: 'signature', holds: vectorBlocks(methane) },
      spec: { ...unitSpec(libraryProfile(methane), 0), refuse: [17, 43] },
    },
    {
      // a transmitter the library has never seen: a float32 in CDAB (%CH4-like) and two status words
      device: {
        unit: 200, kind: 'pymodbus', identifiedBy: 'none', holds: [UNKNOWN_STATUS],
        floatOrder: UNKNOWN_FLOAT, floatRange: { min: DRIFT.value - DRIFT.amplitude, max: DRIFT.value + DRIFT.amplitude },
      },
      spec: {
        registers: { holding: { [String(UNKNOWN_STATUS.address)]: UNKNOWN_STATUS.values } },
        values: [{ ...UNKNOWN_FLOAT, type: 'float32', value: DRIFT.value }],
        drift: [{ ...UNKNOWN_FLOAT, type: 'float32', ...DRIFT }],
        refuse: [17, 43],
      },
    },
  ]
}

const SIMULATED = [
  { unit: 5, profile: 'generic-gq-ec-h2s' },
  { unit: 9, profile: 'generic-kdg4-power-cut-controller' },
]

/**
 * The acceptance bus of issue 16 on a relay line, every device at `baud` (and `parity`, which the
 * relay passes whatever the master sets: it is not visible through a pty): pymodbus devices at
 * units 1 (answers FC 43/14), 17 (signature registers only) and 200 (unknown layout with a CDAB
 * float), simulator devices (`edge-agent simulate --scenario static`) at units 5 and 9, each on its own drop.
 */
export async function startAcceptanceBus(options: { baud: number; parity?: Parity }): Promise<AcceptanceBus> {
  const parity = options.parity ?? 'none'
  const baud = String(options.baud)
  const dir = tempDir('rs485-bus')
  const pymodbus = pymodbusDevices()
  let relay: Rs485Relay | undefined
  const started: ManagedProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((proc) => proc.stop()))
    await relay?.stop()
    dir.remove()
  }
  try {
    // without crosstalk: with no wire time between a device's answer and the next request, devices that
    // hear each other drop requests a real line's silences would let through (rs485-relay.py's docstring)
    relay = await startRs485Relay({ dir: dir.path, drops: pymodbus.length + SIMULATED.length, crosstalk: false })
    const drops = relay.drops
    const devices: BusDevice[] = [
      ...pymodbus.map(({ device }, i) => ({ ...device, drop: drops[i]! })),
      ...SIMULATED.map(({ unit, profile }, i): BusDevice => ({
        unit, kind: 'simulator', drop: drops[pymodbus.length + i]!, profile, identifiedBy: 'signature', holds: vectorBlocks(profile),
      })),
    ]
    const starts = [
      ...pymodbus.map(({ device, spec }, i) => startReady(SYSTEM_PYTHON, [
        RTU_DEVICE, '--port', drops[i]!, '--baud', baud, '--parity', parity, '--spec', JSON.stringify({ units: { [String(device.unit)]: spec } }),
      ], /^ready /u, { name: `pymodbus unit ${device.unit}` })),
      ...SIMULATED.map(({ unit, profile }, i) => startReady(process.execPath, [
        CLI, 'simulate', '--profile', profile, '--unit', String(unit), '--scenario', 'static',
        '--rtu', drops[pymodbus.length + i]!, '--baud', baud, '--parity', parity,
      ], /^simulator ready /u, { cwd: ROOT, name: `simulator unit ${unit}`, timeoutMs: 60_000 })),
    ]
    const results = await Promise.allSettled(starts)
    for (const result of results) if (result.status === 'fulfilled') started.push(result.value.proc)
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    return { master: relay.master, baud: options.baud, parity, devices, relay, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
