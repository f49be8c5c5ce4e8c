/**
 * Integration: the serial line's lock between real processes. A running `edge-agent run --config` holds its
 * RTU line (a socat pty pair with the simulator on the other end) in /run/lock; a ModbusSerialMaster in this
 * process is refused, naming the agent's PID and command line, by the line's path and by a symlink to it.
 * An agent killed outright leaves a stale lock that is taken over; an agent that finds its line held keeps
 * retrying, says which process holds it, and polls once the line is let go.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModbusSerialMaster, type LineSpec } from '../../../edge-agent/src/modbus/modbus-serial-master.ts'
import { SerialPortLockedError } from '../../../edge-agent/src/modbus/port-lock-rules.ts'
import { startSimulator, type Simulator } from '../../../edge-agent/src/simulator/index.ts'
import { rtuBus, tempDir, writeGatewayConfig, writeProfile, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup, start, type ManagedProcess } from '../../support/processes.ts'
import { RELAY_PROFILE, profileFromYaml } from '../../support/profiles.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'
import { until, valueOf } from '../../support/until.ts'

const ROOT = join(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')

const group = new ProcessGroup()
let dir: TempDir
let pair: PtyPair
let simulator: Simulator
let config: string
let lockFile: string

const line = (path: string): LineSpec => ({ kind: 'rtu', path, baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 })
const lockHolder = () => (existsSync(lockFile) ? Number(readFileSync(lockFile, 'latin1').trim()) : undefined)

function startAgent(name: string): ManagedProcess {
  return group.add(start(process.execPath, [CLI, 'run', '--config', config], { cwd: ROOT, name }))
}

async function refusal(path: string): Promise<unknown> {
  const master = new ModbusSerialMaster(line(path))
  try {
    await master.open()
  } catch (error) {
    return error
  } finally {
    await master.close()
  }
  return undefined
}

beforeAll(async () => {
  dir = tempDir('serial-line-lock')
  pair = await startPtyPair()
  lockFile = join('/run/lock', `LCK..${basename(pair.a)}`)
  simulator = await startSimulator({ units: [{ unit: 1, profile: profileFromYaml(RELAY_PROFILE), scenario: 'static' }], rtu: { path: pair.b, baud: 9600, parity: 'none' } })
  const profile = writeProfile(dir.path, 'relay.yaml', RELAY_PROFILE)
  config = writeGatewayConfig(dir.path, {
    buses: [rtuBus('rs485', pair.a, { baud: 9600, timeoutMs: 300, retries: 0 })],
    devices: [{ id: 'relay-1', bus: 'rs485', unit: 1, profile, pollMs: 500 }],
  }, 'gateway.yaml')
})

afterAll(async () => {
  await group.stopAll()
  await simulator?.close()
  await pair?.stop()
  dir?.remove()
})

describe('the serial line lock between an agent and another master', () => {
  it('refuses a second master while the agent runs, naming its PID and command line; the agent\'s exit lets the line go', async () => {
    const agent = startAgent('edge-agent run')
    const pid = await valueOf('the agent\'s PID in the lock file', () => (lockHolder() === agent.pid ? agent.pid : undefined), { timeoutMs: 30_000 })

    const error = await refusal(pair.a)
    expect(error).toBeInstanceOf(SerialPortLockedError)
    expect((error as Error).message).toBe(`${pair.a} is in use by process ${pid} (edge-agent run --config ${config}); stop it first (systemctl stop edge-agent)`)
    const link = join(dir.path, 'ttyRS485')
    symlinkSync(pair.a, link)
    expect(await refusal(link)).toMatchObject({ code: 'PORT_LOCKED', holder: { pid } })
    expect(lockHolder(), 'a refused master leaves the holder\'s lock alone').toBe(pid)

    await agent.stop('SIGTERM')
    expect(existsSync(lockFile), 'the agent gave its lock back on exit').toBe(false)
    expect(await refusal(pair.a)).toBeUndefined()
  }, 60_000)

  it('takes over the stale lock of an agent killed outright', async () => {
    const agent = startAgent('edge-agent run, to be killed')
    await until('the agent holds the line', () => lockHolder() === agent.pid, { timeoutMs: 30_000 })
    await agent.stop('SIGKILL')
    expect(lockHolder(), 'SIGKILL leaves the lock behind').toBe(agent.pid)

    const master = new ModbusSerialMaster(line(pair.a))
    try {
      await master.open()
      expect(lockHolder()).toBe(process.pid)
      expect(await master.execute({ kind: 'read', unit: 1, table: 'holding', address: 10, count: 1 }, 1000)).toEqual([expect.any(Number)])
    } finally {
      await master.close()
    }
    expect(existsSync(lockFile)).toBe(false)
  }, 60_000)

  it('an agent whose line is held keeps retrying, logs which process holds it, and polls once it is let go', async () => {
    const master = new ModbusSerialMaster(line(pair.a))
    await master.open()
    let agent: ManagedProcess
    try {
      agent = startAgent('edge-agent run, line held')
      const held = `${pair.a} is in use by process ${process.pid}`
      await until('the agent says its line is held, and by whom', () => agent.stdout.includes(held), { timeoutMs: 30_000 })
      expect(agent.exit, agent.describe()).toBeUndefined()
      expect(lockHolder()).toBe(process.pid)
    } finally {
      await master.close()
    }
    await until('the agent takes the line once it is let go', () => lockHolder() === agent.pid, { timeoutMs: 30_000 })
    await until('the agent reports its bus open', () => /bus rs485 open/u.test(agent.stdout), { timeoutMs: 30_000 })
    await agent.stop('SIGTERM')
  }, 90_000)

  it('a lock directory that cannot be written does not keep a master off its line: one warning, then it polls', async () => {
    const warnings: string[] = []
    const master = new ModbusSerialMaster(line(pair.a), { lock: { dir: join(dir.path, 'no-such-lock-dir') }, warn: (message) => warnings.push(message) })
    try {
      await master.open()
      expect(await master.execute({ kind: 'read', unit: 1, table: 'holding', address: 10, count: 1 }, 1000)).toEqual([expect.any(Number)])
      await master.close()
      await master.open()
      expect(warnings).toEqual([`${pair.a} opened without its lock file (other programs are not kept off the line): cannot create ${join(dir.path, 'no-such-lock-dir', `LCK..${basename(pair.a)}`)}: ENOENT`])
      expect(existsSync(lockFile)).toBe(false)
    } finally {
      await master.close()
    }
  })
})
