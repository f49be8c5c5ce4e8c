import type { Command } from 'commander'
import {
  DEFAULT_GAS_T90_MS, isLoopback, isScenario, SCENARIOS, SCENARIO_HELP, startSimulator,
  type GasTestOptions, type ScenarioName, type SimulatedUnit,
} from '../simulator/index.ts'
import { STANDARD_BAUDS } from '../../../hardware-profiles/index.ts'
import { findProfile } from './profile-lookup.ts'
import { parseInteger, UsageError } from '../../../protocols/cli/index.ts'
import { parseHostPort, parseUnitList } from './arguments.ts'

interface SimulateOptions {
  profile?: string
  device: string[]
  unit: string
  scenario: string
  tcp?: string
  rtu?: string
  baud?: string
  parity: string
  dataBits: string
  stopBits: string
  wireTiming?: boolean
  periodS: string
  feedbackDelayMs: string
  warmupS?: string
  gasT90S?: string
  gasNoise?: string
  control?: string
}

function scenarioOf(name: string): ScenarioName {
  if (!isScenario(name)) throw new UsageError(`unknown scenario "${name}"; one of ${SCENARIOS.join(', ')}`)
  return name
}

function unitsOf(options: SimulateOptions): SimulatedUnit[] {
  const units: SimulatedUnit[] = []
  const scenario = scenarioOf(options.scenario)
  if (options.profile) {
    const profile = findProfile(options.profile)
    for (const unit of parseUnitList(options.unit)) units.push({ unit, profile, scenario })
  }
  for (const spec of options.device) {
    const [unitText, profileId, scenarioName] = spec.split(':')
    if (!unitText || !profileId) throw new UsageError(`--device takes UNIT:PROFILE[:SCENARIO], got "${spec}"`)
    const unit = parseInteger(unitText, 'unit id', 1, 247)
    if (units.some((u) => u.unit === unit)) throw new UsageError(`unit ${unit} is simulated twice`)
    units.push({ unit, profile: findProfile(profileId), scenario: scenarioName ? scenarioOf(scenarioName) : scenario })
  }
  if (units.length === 0) throw new UsageError('name a device: --profile ID [--unit N] or --device UNIT:PROFILE')
  return units
}

/** A decimal number of `what` in min..max (inclusive), or a UsageError. */
function parseDecimal(text: string, what: string, min: number, max: number): number {
  const value = /^\s*\d+(?:\.\d+)?\s*$/u.test(text) ? Number(text) : Number.NaN
  if (!(value >= min && value <= max)) throw new UsageError(`${what} must be a number from ${min} to ${max}, got "${text}"`)
  return value
}

const GAS_FLAGS = { gasT90S: '--gas-t90-s', gasNoise: '--gas-noise', control: '--control' } as const

/** --gas-t90-s, --gas-noise and --control drive gas-test devices only: refused when none is simulated. */
function gasOptionsOf(options: SimulateOptions, units: SimulatedUnit[]): { gas?: GasTestOptions; control?: { host: string; port: number } } {
  const flags = Object.entries(GAS_FLAGS).filter(([key]) => options[key as keyof typeof GAS_FLAGS] !== undefined).map(([, flag]) => flag)
  if (flags.length === 0) return {}
  if (!units.some((u) => u.scenario === 'gas-test')) {
    throw new UsageError(`${flags.join(', ')} drive${flags.length === 1 ? 's' : ''} gas-test devices, and no unit runs the gas-test scenario`)
  }
  const gas: GasTestOptions = {
    ...(options.gasT90S !== undefined && { t90Ms: parseDecimal(options.gasT90S, '--gas-t90-s', 0.1, 3600) * 1000 }),
    ...(options.gasNoise !== undefined && { noise: parseDecimal(options.gasNoise, '--gas-noise', 0, 1_000_000) }),
  }
  if (options.control === undefined) return { gas }
  const { host: bracketed, port } = parseHostPort(options.control)
  const host = bracketed.replace(/^\[(.*)\]$/u, '$1')
  if (!isLoopback(host)) throw new UsageError(`--control listens on loopback only (127.0.0.1, ::1 or localhost): it has no login; got "${options.control}"`)
  return { gas, control: { host, port } }
}

export function registerSimulateCommand(program: Command): void {
  program.command('simulate')
    .description('a simulated Modbus device (or several on one bus) serving hardware profiles over TCP or RTU')
    .option('--profile <id>', 'profile id or file to simulate at --unit')
    .option('--unit <units>', 'unit id(s) for --profile: 5, 1,2,3 or 1-3', '1')
    .option('--device <unit:profile[:scenario]>', 'one more device on the same bus (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--scenario <name>', `${SCENARIOS.join(' | ')}`, 'steady')
    .option('--tcp <host:port>', 'serve Modbus TCP (port 0: any free port)')
    .option('--rtu <path>', 'serve Modbus RTU on a serial port, e.g. one end of a socat pty pair')
    .option('--baud <n>', 'RTU baud rate (default: the first profile\'s, else 9600)')
    .option('--parity <p>', 'RTU parity: none | even | odd', 'none')
    .option('--data-bits <n>', 'RTU data bits', '8')
    .option('--stop-bits <n>', 'RTU stop bits', '1')
    .option('--wire-timing', 'delay each RTU answer by the real wire time at this baud and framing')
    .option('--period-s <n>', 'leak scenario cycle length in seconds', '120')
    .option('--feedback-delay-ms <n>', 'how long a relay feedback input takes to follow its output', '200')
    .option('--warmup-s <n>', 'warm-up scenario length in seconds (default: the profile\'s warmUpSeconds)')
    .option('--gas-t90-s <n>', `gas-test: seconds to 90 % of a gas step (default ${DEFAULT_GAS_T90_MS / 1000})`)
    .option('--gas-noise <x>', 'gas-test: noise amplitude in each channel\'s unit (default: the channel\'s simulate.noise)')
    .option('--control <host:port>', 'gas-test: serve the gas control (newline-delimited JSON) on this loopback address; port 0: any free port')
    .addHelpText('after', `\nScenarios:\n${SCENARIOS.map((s) => `  ${s.padEnd(10)} ${SCENARIO_HELP[s]}`).join('\n')}`)
    .action(async (options: SimulateOptions) => {
      if (!options.tcp === !options.rtu) throw new UsageError('give exactly one of --tcp HOST:PORT or --rtu PATH')
      const units = unitsOf(options)
      const gasOptions = gasOptionsOf(options, units)
      const baud = options.baud ? Number(options.baud) : units[0]!.profile.serial?.baud ?? 9600
      if (!(STANDARD_BAUDS as readonly number[]).includes(baud)) throw new UsageError(`--baud ${options.baud} is not a standard rate (${STANDARD_BAUDS.join(', ')})`)
      if (!['none', 'even', 'odd'].includes(options.parity)) throw new UsageError(`--parity must be none, even or odd, got "${options.parity}"`)
      const simulator = await startSimulator({
        units,
        ...(options.tcp && { tcp: parseHostPort(options.tcp) }),
        ...(options.rtu && {
          rtu: {
            path: options.rtu,
            baud,
            parity: options.parity as 'none' | 'even' | 'odd',
            dataBits: parseInteger(options.dataBits, '--data-bits', 7, 8),
            stopBits: parseInteger(options.stopBits, '--stop-bits', 1, 2),
            wireTiming: options.wireTiming === true,
          },
        }),
        periodMs: parseInteger(options.periodS, '--period-s', 1, 86_400) * 1000,
        feedbackDelayMs: parseInteger(options.feedbackDelayMs, '--feedback-delay-ms', 0, 600_000),
        ...(options.warmupS !== undefined && { warmUpMs: parseInteger(options.warmupS, '--warmup-s', 0, 86_400) * 1000 }),
        ...gasOptions,
      }).catch((error: Error) => {
        throw new UsageError(`cannot serve ${options.tcp ?? options.rtu}${options.control ? ` and the control on ${options.control}` : ''}: ${error.message}`)
      })
      const control = simulator.control ? ` control ${simulator.control}` : ''
      console.log(`simulator ready ${simulator.endpoint} units ${[...simulator.devices.keys()].join(',')}${control}`)
      for (const device of simulator.devices.values()) {
        console.log(`  unit ${device.unit}: ${device.compiled.profile.id} (${device.scenario})`)
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await simulator.close()
    })
}
