/**
 * Many Modbus TCP devices in one process, one listening port each (Neuron's workload: 500 devices
 * × 30 tags): our simulator (startSimulator) serving the 30-tag bench profile at unit 1 on every port.
 *
 *   node --import tsx bench/support/poll-many-sim.ts [--count 500] [--host 127.0.0.1] [--scenario steady]
 *
 * Prints `result {"ports":[…]}` once every port listens, then serves until SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util'
import { startSimulator, isScenario, type Simulator } from '../../edge-agent/src/simulator/index.ts'
import { neuronProfile, RESULT_PREFIX } from './poll-common.ts'

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    host: { type: 'string', default: '127.0.0.1' },
    scenario: { type: 'string', default: 'steady' },
  },
})
const count = Number(values.count)
const host = values.host!
const scenario = values.scenario!
if (!isScenario(scenario)) throw new Error(`unknown scenario ${scenario}`)

const profile = neuronProfile()
const simulators: Simulator[] = []
let closing = false

async function shutdown(code: number): Promise<void> {
  if (closing) return
  closing = true
  await Promise.allSettled(simulators.map((s) => s.close()))
  process.exit(code)
}
process.once('SIGTERM', () => void shutdown(0))
process.once('SIGINT', () => void shutdown(0))
// the parent went away without stopping us (killed hard): do not linger
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) void shutdown(0)
}, 1000).unref()

try {
  for (let i = 0; i < count; i++) {
    simulators.push(await startSimulator({ units: [{ unit: 1, profile, scenario }], tcp: { host, port: 0 } }))
  }
} catch (error) {
  console.error(`cannot start ${count} simulators: ${error instanceof Error ? error.message : String(error)}`)
  await shutdown(1)
}
const ports = simulators.map((s) => Number(s.endpoint.split(':').at(-1)))
console.log(`${RESULT_PREFIX}${JSON.stringify({ ports })}`)
