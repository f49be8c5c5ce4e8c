/**
 * The TCP phase's device: our simulator (startSimulator, what `edge-agent simulate --tcp` runs) serving
 * several units on one endpoint, bundled by the parent (bundleForBench) and run with plain node, so both
 * sides of the TCP round talk to the same, equally fast device whatever state edge-agent/dist is in
 * (bin/edge-agent.js falls back to tsx when the CLI bundle is older than a source file).
 *
 *   node poll-tcp-sim.mjs --devices 1:profile-id,2:… [--host 127.0.0.1] [--scenario steady]
 *
 * Prints `result {"port":N}` once it listens, then serves until SIGTERM/SIGINT or the parent goes away.
 */
import { parseArgs } from 'node:util'
import { loadLibrary } from '../../hardware-profiles/index.ts'
import { isScenario, startSimulator } from '../../edge-agent/src/simulator/index.ts'
import { RESULT_PREFIX } from './poll-common.ts'

const { values } = parseArgs({
  options: {
    devices: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    scenario: { type: 'string', default: 'steady' },
  },
})
const scenario = values.scenario!
if (!isScenario(scenario)) throw new Error(`unknown scenario ${scenario}`)
if (!values.devices) throw new Error('--devices is required')
const library = loadLibrary()
const units = values.devices.split(',').map((spec) => {
  const [unitText, id] = spec.split(':')
  const profile = library.find((p) => p.id === id)
  if (!profile) throw new Error(`profile ${id} is not in the library`)
  return { unit: Number(unitText), profile, scenario }
})

const simulator = await startSimulator({ units, tcp: { host: values.host!, port: 0 } })
let closing = false
async function shutdown(): Promise<void> {
  if (closing) return
  closing = true
  await simulator.close().catch(() => {})
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
// the parent went away without stopping us (killed hard): do not linger
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) void shutdown()
}, 1000).unref()
console.log(`${RESULT_PREFIX}${JSON.stringify({ port: Number(simulator.endpoint.split(':').at(-1)) })}`)
