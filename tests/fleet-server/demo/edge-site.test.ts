import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { startDemoSite, type RunningDemoSite } from '../../../fleet-server/src/demo/edge-site.ts'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'demo-site-'))
const fleet = loadDemoFleet(defaultSeedFile())
const profiles = new Map(loadLibrary().map((p) => [p.id, p]))
const running: RunningDemoSite[] = []

afterAll(async () => {
  await Promise.allSettled(running.map((site) => site.stop()))
  rmSync(dir, { recursive: true, force: true })
})

const refused = (port: number) => new Promise<boolean>((resolve) => {
  const socket = connect(port, '127.0.0.1')
  socket.once('connect', () => { socket.destroy(); resolve(false) })
  socket.once('error', () => resolve(true))
})

async function until<T>(read: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`nothing within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('a demo site without the fleet server', () => {
  it('simulates the coal mine, whose agent trips the power cut on the scripted leak and restores it', async () => {
    const coal = fleet.sites.find((s) => s.id === 'leping-yongshan-coal')!
    const site = await startDemoSite(coal, { profiles, dir: join(dir, coal.gateway.id), leakPeriodMs: 12_000, logger: pino({ level: 'silent' }) })
    running.push(site)
    expect(readFileSync(site.configFile, 'utf8')).toMatch(/port: \d+/u)
    const power = () => site.agent.safety.status().interlocks.find((i) => i.id === 'ch4-t0-power-cut')!
    expect(power().state).toBe('normal')
    const tripped = await until(() => (power().state === 'tripped' ? power() : undefined), 10_000)
    expect(tripped.cause).toMatch(/ch4-t0-1201\/ch4 1\.\d+ ≥ 1\.5/u)
    expect(site.agent.safety.status().alarms).toEqual(expect.arrayContaining([expect.objectContaining({ device: 'ch4-t0-1201', level: 'power-off' })]))
    await until(() => (power().state === 'normal' ? true : undefined), 15_000)
    const port = Number(site.simulator.endpoint.split(':').at(-1))
    await site.stop()
    running.pop()
    expect(await refused(port)).toBe(true)
  }, 40_000)

  it('keeps a steady site quiet: its bus open, no alarm', async () => {
    const station = fleet.sites.find((s) => s.type === 'petrol-station')!
    const site = await startDemoSite(station, { profiles, dir: join(dir, station.gateway.id), leakPeriodMs: 8_000, logger: pino({ level: 'silent' }) })
    running.push(site)
    await until(() => (site.agent.engine.status().every((bus) => bus.open) ? true : undefined), 5_000)
    await new Promise((r) => setTimeout(r, 3_000))
    expect(site.agent.safety.status().alarms).toEqual([])
  }, 20_000)
})
