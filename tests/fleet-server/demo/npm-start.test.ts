import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alarm, CommissioningRunSummary, ComplianceEvidence, InterlockAction, SiteSummary } from '../../../fleet-server/src/api/index.ts'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { start, type ManagedProcess } from '../../support/processes.ts'
import { valueOf } from '../../support/until.ts'

// `npm start` as a user runs it (the same command as the script), on free ports and a temporary
// data folder, with the leak shortened to 20 s so an alarm and a power cut happen within the test, and
// the commissioning run it starts at 镇桥煤矿 (T90 10 s) over within it.

const fleet = loadDemoFleet(defaultSeedFile())
const dataDir = mkdtempSync(join(tmpdir(), 'demo-npm-start-'))
let demo: ManagedProcess
let url: string
let mqttUrl: string

beforeAll(async () => {
  demo = start(process.execPath, ['--import', 'tsx', 'fleet-server/src/demo/main.ts'], {
    name: 'npm start',
    env: { ...process.env, DEMO_PORT: '0', DEMO_MQTT_PORT: '0', DEMO_DATA_DIR: dataDir, DEMO_LEAK_PERIOD_S: '20', DEMO_LOG_LEVEL: 'warn' },
  })
  url = (await demo.waitForLine(/^ {2}dashboard +(http:\/\/\S+)$/u, 30_000))[1]!.replace(/\/$/u, '')
  mqttUrl = (await demo.waitForLine(/^ {2}mqtt +(mqtt:\/\/\S+)$/u, 5_000))[1]!
}, 40_000)

afterAll(async () => {
  await demo?.stop('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

async function logIn(name: string): Promise<string> {
  const password = fleet.users.find((u) => u.name === name)!.password
  const response = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) })
  expect(response.status, await response.clone().text()).toBe(200)
  return ((await response.json()) as { token: string }).token
}

async function get<T>(token: string, path: string): Promise<T> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200)
  return (await response.json()) as T
}

/** valueOf, with what the agents' uplinks said when the wait runs out */
async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  try {
    return await valueOf(what, read, { timeoutMs, everyMs: 500 })
  } catch (error) {
    const uplink = demo.stdout.split('\n').filter((line) => line.includes('uplink:')).slice(0, 3).join('\n')
    throw new Error(`${(error as Error).message}${uplink ? `\nthe agents' uplinks said:\n${uplink}` : ''}\n${demo.describe()}`)
  }
}

const refused = (address: URL) => new Promise<boolean>((resolve) => {
  const socket = connect(Number(address.port), address.hostname)
  socket.once('connect', () => { socket.destroy(); resolve(false) })
  socket.once('error', () => resolve(true))
})

describe('npm start', () => {
  it('prints the demo logins', () => {
    for (const user of fleet.users) expect(demo.stdout).toMatch(new RegExp(`^ {2}${user.name} +${user.password} +${user.role} `, 'mu'))
  })

  it('shows the city regulator every site, each with its gateway online', async () => {
    const token = await logIn('regulator')
    const sites = await eventually(async () => {
      const listed = await get<SiteSummary[]>(token, '/api/sites')
      return listed.length === fleet.sites.length && listed.every((s) => s.gateways.online === 1) ? listed : undefined
    }, 30_000, 'every gateway online')
    expect(sites.map((s) => s.id).sort()).toEqual(fleet.sites.map((s) => s.id).sort())
  }, 40_000)

  it('shows the enterprise its own sites only', async () => {
    const token = await logIn('enterprise')
    const own = fleet.sites.filter((s) => s.enterprise === 'yongshan-coal-co').map((s) => s.id).sort()
    expect((await get<SiteSummary[]>(token, '/api/sites')).map((s) => s.id).sort()).toEqual(own)
  })

  it('reports the coal mine methane alarm and the power cut it tripped', async () => {
    const token = await logIn('enterprise')
    const alarm = await eventually(async () => (await get<Alarm[]>(token, '/api/alarms?active=true'))
      .find((a) => a.siteId === 'leping-yongshan-coal' && a.device === 'ch4-t0-1201' && a.channel === 'ch4'), 30_000, 'methane alarm')
    expect(alarm.gatewayId).toBe('yongshan-coal-gw1')
    const regulator = await logIn('regulator')
    const trip = await eventually(async () => (await get<InterlockAction[]>(regulator, '/api/interlocks'))
      .find((a) => a.interlock === 'ch4-t0-power-cut' && a.state === 'tripped'), 30_000, 'interlock tripped')
    expect(trip.siteId).toBe('leping-yongshan-coal')
  }, 70_000)

  it('commissions 镇桥煤矿 in the background: one signed run passes its methane sensor with test gas and the power cut it trips, and monitoring gets a tested record', async () => {
    const site = 'leping-zhenqiao-coal'
    const regulator = await logIn('regulator')
    const [run] = await eventually(async () => {
      const runs = await get<CommissioningRunSummary[]>(regulator, `/api/sites/${site}/commissioning-runs`)
      return runs.length > 0 ? runs : undefined
    }, 120_000, 'the run at the server')
    expect(demo.stdout).toMatch(/^commissioning 镇桥煤矿 \(leping-zhenqiao-coal\): .* tests ch4-heading-201 with 2 %CH4 test gas and checks multigas-intake, power-cut-201/mu)
    expect(demo.stdout).toMatch(/^commissioning 镇桥煤矿 \(leping-zhenqiao-coal\): PASSED — ch4-heading-201 passed \(T90 \d+(\.\d+)? s\), multigas-intake passed, power-cut-201 passed; run zhenqiao-coal-gw1:\d+ recorded/mu)
    expect(run).toMatchObject({ gatewayId: 'zhenqiao-coal-gw1', result: 'passed', purpose: 'commissioning' })
    expect(run!.devices.map((d) => `${d.device} ${d.result}`).sort()).toEqual(['ch4-heading-201 passed', 'multigas-intake passed', 'power-cut-201 passed'])
    const tested = await eventually(async () => (await get<ComplianceEvidence>(regulator, `/api/compliance/sites/${site}`))
      .commissioning.find((r) => r.evidence === 'tested'), 30_000, 'the tested record')
    expect(tested).toMatchObject({ system: 'monitoring', accepted: true, runIds: [run!.runId] })
    expect(tested.devices.sort()).toEqual(['ch4-heading-201', 'multigas-intake', 'power-cut-201'])
  }, 150_000)

  it('stops everything on SIGINT: exit 0, the HTTP and MQTT ports free again', async () => {
    const exit = await demo.stop('SIGINT', 15_000)
    expect(exit, demo.describe()).toEqual({ code: 0, signal: null })
    expect(await refused(new URL(url))).toBe(true)
    expect(await refused(new URL(mqttUrl))).toBe(true)
  }, 20_000)
})
