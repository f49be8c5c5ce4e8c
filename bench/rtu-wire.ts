/**
 * RS-485 physics in the simulator: with --wire-timing, sequential FC 3 reads of 10 registers at
 * 9600 8N1 over a socat pty pair, beside the wire-time limit of that transaction (request, answer and
 * two t3.5 silences at 9600 8N1 — the physical ceiling of a real bus, before any device turnaround).
 *
 * The loop keeps t3.5 of silence after each answer, as a compliant master must.
 *
 * Figure: simulator_rtu_vs_wire_limit = measured tx/s ÷ limit tx/s; it must not exceed 1 (a simulator
 * faster than the wire would flatter every RTU benchmark built on it).
 */
import { join } from 'node:path'
import { readFrameBytes, silenceMs, transactionWireMs } from '../protocols/modbus/index.ts'
import { ModbusClient } from '../tests/support/modbus-client.ts'
import { ProcessGroup } from '../tests/support/processes.ts'
import { startPtyPair } from '../tests/support/socat.ts'
import { figure, type Figure } from './run.ts'

const CLI = join(import.meta.dirname, '../edge-agent/bin/edge-agent.js')
const PROFILE = 'ccri-gjc4-catalytic-methane'

export async function run(): Promise<Figure[]> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5)
  const framing = { baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const
  const { request, response } = readFrameBytes(3, false)
  const limit = 1000 / transactionWireMs(framing, request, response)
  const pty = await startPtyPair()
  const group = new ProcessGroup()
  const client = new ModbusClient()
  try {
    await group.startReady(process.execPath, [CLI, 'simulate', '--profile', PROFILE, '--rtu', pty.a, '--baud', '9600', '--wire-timing', '--scenario', 'static'], /simulator ready/u)
    await client.connectRTUBuffered(pty.b, { baudRate: 9600 })
    client.setID(1)
    client.setTimeout(1000)
    const silence = () => new Promise((resolve) => setTimeout(resolve, silenceMs(framing)))
    for (let i = 0; i < 5; i++) await client.readInputRegisters(0, 3)
    let count = 0
    const start = performance.now()
    const end = start + seconds * 1000
    while (performance.now() < end) {
      await client.readInputRegisters(0, 3)
      await silence()
      count++
    }
    const measured = count / ((performance.now() - start) / 1000)
    console.log(`wire limit, FC 4 × 3 registers at 9600 8N1 (${request} + ${response} bytes, 2 × t3.5): ${limit.toFixed(1)} tx/s`)
    console.log(`simulator --wire-timing, modbus-serial sequential over a pty:            ${measured.toFixed(1)} tx/s (${count} in ${seconds} s)`)
    return [figure('simulator_rtu_vs_wire_limit', measured / limit, '<=1.0', `${measured.toFixed(1)} vs ${limit.toFixed(1)} tx/s`)]
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()))
    await group.stopAll()
    await pty.stop()
  }
}
