import { parseArgs } from 'node:util'
import { DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_MQTT_PORT } from '../defaults.ts'
import { ProductError } from '../../../protocols/errors.ts'

/** Every default of the demo, in one place. */
export const DEMO_DEFAULTS = {
  host: DEFAULT_HOST,
  port: DEFAULT_HTTP_PORT,
  mqttPort: DEFAULT_MQTT_PORT,
  dataDir: './data/demo',
  /** one scripted methane leak cycle at the coal mine: ramp up 40 %, hold 20 %, ramp down 40 % */
  leakPeriodS: 180,
  /** agent and server logs; info adds every device coming online and every alarm clearing */
  logLevel: 'warn',
} as const

export interface DemoOptions {
  host: string
  /** 0: a free port */
  port: number
  mqttPort: number
  dataDir: string
  leakPeriodS: number
  logLevel: string
  /** the demo fleet file; default seeds/demo-fleet.yaml of this repository */
  seed?: string
}

export class DemoUsageError extends ProductError {
  readonly code = 'DEMO_USAGE'
  override readonly name = 'DemoUsageError'
}

export const DEMO_USAGE = `usage: npm start [-- --port N] [--mqtt-port N] [--host H] [--data-dir DIR] [--leak-period-s S] [--seed FILE] [--log-level L]
  environment: DEMO_PORT, DEMO_MQTT_PORT, DEMO_HOST, DEMO_DATA_DIR, DEMO_LEAK_PERIOD_S, DEMO_SEED, DEMO_LOG_LEVEL (flags win); port 0 = a free port`

function integer(text: string, name: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/u.test(text.trim()) || value < min || value > max) throw new DemoUsageError(`${name} must be an integer from ${min} to ${max}, got "${text}"`)
  return value
}

/** The demo's options from flags, then DEMO_* variables, then the defaults. */
export function demoOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions {
  let values: Record<string, string | boolean | undefined>
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' }, 'mqtt-port': { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' },
        'leak-period-s': { type: 'string' }, seed: { type: 'string' }, 'log-level': { type: 'string' }, help: { type: 'boolean' },
      },
      strict: true,
    }))
  } catch (error) {
    throw new DemoUsageError(`${(error as Error).message}\n${DEMO_USAGE}`)
  }
  if (values.help) throw new DemoUsageError(DEMO_USAGE)
  const pick = (flag: string, variable: string): string | undefined => (values[flag] as string | undefined) ?? (env[variable] || undefined)
  const port = pick('port', 'DEMO_PORT')
  const mqttPort = pick('mqtt-port', 'DEMO_MQTT_PORT')
  const leak = pick('leak-period-s', 'DEMO_LEAK_PERIOD_S')
  const seed = pick('seed', 'DEMO_SEED')
  return {
    host: pick('host', 'DEMO_HOST') ?? DEMO_DEFAULTS.host,
    port: port === undefined ? DEMO_DEFAULTS.port : integer(port, 'the HTTP port (--port, DEMO_PORT)', 0, 65535),
    mqttPort: mqttPort === undefined ? DEMO_DEFAULTS.mqttPort : integer(mqttPort, 'the MQTT port (--mqtt-port, DEMO_MQTT_PORT)', 0, 65535),
    dataDir: pick('data-dir', 'DEMO_DATA_DIR') ?? DEMO_DEFAULTS.dataDir,
    leakPeriodS: leak === undefined ? DEMO_DEFAULTS.leakPeriodS : integer(leak, 'the leak period (--leak-period-s, DEMO_LEAK_PERIOD_S)', 5, 86_400),
    logLevel: pick('log-level', 'DEMO_LOG_LEVEL') ?? DEMO_DEFAULTS.logLevel,
    ...(seed !== undefined && { seed }),
  }
}
