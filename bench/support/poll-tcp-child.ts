/**
 * One side of bench/poll's TCP throughput comparison, alone in its own process: bundled by the parent
 * (bundleForBench) and run with plain node, as a gateway runs the agent, so neither side pays for a
 * TypeScript loader and the parent's own work (printing, timers) cannot steal from either.
 *
 *   node poll-tcp-child.mjs --mode bare|engine --port N [--host 127.0.0.1] --devices 1:profile-id,2:…
 *
 * It loads the profiles, prints `ready`, then serves commands on stdin, one a line, so the parent can
 * alternate the two sides in short slices (both see the same machine, whatever else runs on it):
 *   `run WARMUP_MS MEASURE_MS`  poll for WARMUP_MS, then measure for MEASURE_MS; prints `result {json}`
 *                               (TcpChildResult) and falls silent again: no request on the line between runs
 *   `quit` (or stdin closing)   exit
 *
 * - bare: a bare modbus-serial loop on one connection (opened once), the unit id set on the client before
 *   each read (its ordinary API), the reads of the engine's plans in round-robin order, sequentially, no decode.
 * - engine: PollEngine → BusWorker → DevicePoller → ModbusSerialMaster, decode and samples included, one
 *   TCP bus, one request in flight, every device at pollMs 1 (as fast as the engine polls a device); a new
 *   engine every run (its connection, identification, first polls inside the warm-up), the same process and
 *   so the same JIT-compiled code throughout.
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { compileProfile, loadLibrary } from '../../hardware-profiles/index.ts'
import type { Sample } from '../../protocols/sample.ts'
import { PollEngine } from '../../edge-agent/src/poll/engine.ts'
import { ModbusClient } from '../../tests/support/modbus-client.ts'
import { device, readOnce, resolvedConfig, RESULT_PREFIX, tcpBus, type Read } from './poll-common.ts'

export interface TcpChildResult {
  mode: 'bare' | 'engine'
  transactions: number
  seconds: number
  perS: number
  /** process CPU (user + system) per transaction, µs, while measuring */
  cpuUsPerTx: number
  /** of which in the kernel (socket writes and reads, epoll, timers) */
  cpuSystemUsPerTx: number
  /** engine only: samples decoded, those not good, and the fewest and most polls of one device */
  samples?: number
  notGood?: number
  minPolls?: number
  maxPolls?: number
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    devices: { type: 'string' },
  },
})
const mode = values.mode
if (mode !== 'bare' && mode !== 'engine') throw new Error('--mode bare|engine is required')
if (!values.port || !values.devices) throw new Error('--port and --devices are required')
const port = Number(values.port)
const host = values.host!

const library = loadLibrary()
const devices = values.devices.split(',').map((spec) => {
  const [unitText, id] = spec.split(':')
  const profile = library.find((p) => p.id === id)
  if (!profile) throw new Error(`profile ${id} is not in the library`)
  return { unit: Number(unitText), profile }
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

type Run = (warmupMs: number, measureMs: number) => Promise<TcpChildResult>

async function bareSide(): Promise<{ run: Run; close(): Promise<void> }> {
  const reads: Read[] = devices.flatMap((d) => compileProfile(d.profile).plan.blocks.map((b) => ({ unit: d.unit, table: b.table, address: b.address, count: b.count })))
  const client = new ModbusClient()
  await client.connectTCP(host, { port })
  ;(client as unknown as { _port?: { _client?: { setNoDelay?(v: boolean): void } } })._port?._client?.setNoDelay?.(true)
  client.setTimeout(1000)
  let i = 0
  return {
    async run(warmupMs, measureMs) {
      const warmEnd = performance.now() + warmupMs
      while (performance.now() < warmEnd) await readOnce(client, reads[i++ % reads.length]!)
      let transactions = 0
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      const end = t0 + measureMs
      while (performance.now() < end) {
        await readOnce(client, reads[i++ % reads.length]!)
        transactions++
      }
      const cpu = process.cpuUsage(cpu0)
      const seconds = (performance.now() - t0) / 1000
      return { mode: 'bare', transactions, seconds, perS: transactions / seconds, cpuUsPerTx: (cpu.user + cpu.system) / transactions, cpuSystemUsPerTx: cpu.system / transactions }
    },
    close: () => new Promise<void>((resolve) => client.close(() => resolve())),
  }
}

function engineSide(): { run: Run; close(): Promise<void> } {
  const bus = 'tcp'
  // pollMs 1: as fast as the engine will poll a device (the config schema allows 50 and up)
  const config = resolvedConfig([tcpBus(bus, host, port, { maxInFlight: 1, timeoutMs: 1000 })],
    devices.map((d) => device(`u${d.unit}`, bus, d.unit, d.profile, 1)))
  return {
    async run(warmupMs, measureMs) {
      let samples = 0
      let notGood = 0
      let measuring = false
      const polls = new Map<string, number>(config.devices.map((d) => [d.id, 0]))
      const engine = new PollEngine(config, {
        samples(batch: Sample[]) {
          if (!measuring) return
          samples += batch.length
          polls.set(batch[0]!.device, polls.get(batch[0]!.device)! + 1)
          for (const s of batch) if (s.quality !== 'good') notGood++
        },
        event() {},
      })
      try {
        engine.start()
        await sleep(warmupMs)
        const before = engine.status()[0]!.transactions
        measuring = true
        const cpu0 = process.cpuUsage()
        const t0 = performance.now()
        await sleep(measureMs)
        measuring = false
        const cpu = process.cpuUsage(cpu0)
        const seconds = (performance.now() - t0) / 1000
        const transactions = engine.status()[0]!.transactions - before
        return {
          mode: 'engine', transactions, seconds, perS: transactions / seconds,
          cpuUsPerTx: (cpu.user + cpu.system) / transactions, cpuSystemUsPerTx: cpu.system / transactions,
          samples, notGood, minPolls: Math.min(...polls.values()), maxPolls: Math.max(...polls.values()),
        }
      } finally {
        await engine.stop()
      }
    },
    close: async () => {},
  }
}

const side = mode === 'bare' ? await bareSide() : engineSide()
console.log('ready')
const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const [command, warmup, measure] = line.trim().split(/\s+/u)
  if (command === 'quit') break
  if (command !== 'run') {
    console.error(`unknown command "${line}"`)
    continue
  }
  const result = await side.run(Number(warmup), Number(measure))
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`)
}
await side.close()
process.exit(0)
