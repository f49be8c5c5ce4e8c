import { isAbsolute, relative } from 'node:path'
import { createLogger } from '../../../edge-agent/src/index.ts'
import { InvalidInputError } from '../../../protocols/validation/index.ts'
import { describeFailure } from '../../../protocols/cli/index.ts'
import { readyBanner } from './banner.ts'
import { DemoUsageError, demoOptions } from './options.ts'
import { runDemo, type RunningDemo } from './run-demo.ts'

// `npm start`: the fleet server, its broker and every demo site in this one process, so Ctrl-C stops it all.

/** a folder under the working directory as a relative path, any other absolute */
function shown(dir: string): string {
  const inside = relative(process.cwd(), dir)
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? dir : inside
}

const EXIT_RUNTIME = 1
const EXIT_INVALID_INPUT = 2
const EXIT_FORCED = 130

function fail(error: unknown): never {
  if (error instanceof DemoUsageError || error instanceof InvalidInputError) {
    process.stderr.write(`demo: ${error.message}\n`)
    process.exit(EXIT_INVALID_INPUT)
  }
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(`demo: cannot listen: ${(error as Error).message}\n  another program uses the port; choose others, e.g. DEMO_PORT=8081 DEMO_MQTT_PORT=1884 npm start (0 = any free port)\n`)
  } else {
    process.stderr.write(`${describeFailure(error).split('\n').map((line) => `demo: ${line}`).join('\n')}\n`)
  }
  process.exit(EXIT_RUNTIME)
}

let options: ReturnType<typeof demoOptions>
try {
  options = demoOptions(process.argv.slice(2), process.env)
} catch (error) {
  fail(error)
}
const logger = createLogger(options.logLevel)

let stopping = false
const starting: Promise<RunningDemo> = runDemo(options, logger, (line) => {
  if (!stopping) process.stdout.write(`${line}\n`)
})

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    process.stderr.write(`${signal} again: exiting without waiting\n`)
    process.exit(EXIT_FORCED)
  }
  stopping = true
  process.stderr.write(`\n${signal}: stopping the agents, the simulators and the fleet server (again to force)\n`)
  starting
    .then((demo) => demo.stop())
    .then(() => {
      process.stdout.write('demo stopped\n')
      logger.flush()
      process.exit(0)
    }, fail)
}
process.on('SIGINT', onSignal).on('SIGTERM', onSignal)

try {
  const demo = await starting
  if (!stopping) {
    process.stdout.write(readyBanner({
      fleet: demo.fleet, dashboardUrl: demo.url, mqttUrl: demo.mqttUrl,
      dataDir: shown(demo.dataDir), leakPeriodS: options.leakPeriodS,
    }))
  }
} catch (error) {
  if (!stopping) fail(error)
}
