import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { startDemoSite, type RunningDemoSite } from '../../../fleet-server/src/demo/edge-site.ts'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { until, valueOf } from '../../support/until.ts'

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

describe('a demo site without the fleet server', () => {
  it('simulates the coal mine, whose agent trips the power cut on the scripted leak and restores it', async () => {
    const coal = fleet.sites.find((s) => s.id === 'leping-yongshan-coal')!
    const site = await startDemoSite(coal, { profiles, dir: join(dir, coal.gateway.id), leakPeriodMs: 12_000, logger: pino({ level: 'silent' }) })
    running.push(site)
    expect(readFileSync(site.configFile, 'utf8')).toMatch(/port: \d+/u)
    const power = () => site.agent.safety.status().interlocks.find((i) => i.id === 'ch4-t0-power-cut')!
    expect(power().state).toBe('normal')
    const tripped = await valueOf('the power cut tripped', () => (power().state === 'tripped' ? power() : undefined), { timeoutMs: 10_000 })
    expect(tripped.cause).toMatch(/ch4-t0-1201\/ch4 1\.\d+ ≥ 1\.5/u)
    expect(site.agent.safety.status().alarms).toEqual(expect.arrayContaining([expect.objectContaining({ device: 'ch4-t0-1201', level: 'power-off' })]))
    await until('the power restored', () => power().state === 'normal', { timeoutMs: 15_000 })
    const port = Number(site.simulator.endpoint.split(':').at(-1))
    await site.stop()
    running.pop()
    expect(await refused(port)).toBe(true)
  }, 40_000)

  it('keeps a steady site quiet: its bus open, no alarm', async () => {
    const station = fleet.sites.find((s) => s.type === 'petrol-station')!
    const site = await startDemoSite(station, { profiles, dir: join(dir, station.gateway.id), leakPeriodMs: 8_000, logger: pino({ level: 'silent' }) })
    running.push(site)
    await until('its bus open', () => site.agent.engine.status().every((bus) => bus.open), { timeoutMs: 5_000 })
    // quiet through more polls (one a second: the station's fastest device), not for a span of time
    const transactions = () => site.agent.engine.status().reduce((n, bus) => n + bus.transactions, 0)
    const before = transactions()
    await until('three more polls', () => transactions() >= before + 3, { timeoutMs: 10_000 })
    expect(site.agent.safety.status().alarms).toEqual([])
  }, 20_000)
})
