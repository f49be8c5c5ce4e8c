/**
 * Issue 17 acceptance, end to end over RTU on socat pairs: the real `fleet-server start`, two gateways
 * provisioned with `edge-agent provision` (which registers each one's signing key), each running
 * `edge-agent run` against `edge-agent simulate` with gas-test methane sensors and KDG-4 power cuts.
 * `edge-agent commission --plan --yes` runs while this test plays the installer, applying and removing
 * the test gas through the simulator's control when the run says so.
 * - mine-a: a coal-mine methane sensor (T90 configured 20 s) and its KDG-4 power cut pass; the signed
 *   record arrives, verifies, and sets installedOn for monitoring; the measured T90 is within ±10 %.
 * - mine-b: a sensor that never reaches its alarm level with the test gas, and a relay whose feedback
 *   never follows: the record says why each failed, and installedOn stays unset. Run again with the
 *   fleet server (and its broker) down, that record arrives once the server is back.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { GasStep, InterlockStep, Run } from '../../../protocols/commissioning/index.ts'
import { localDay } from '../../../protocols/calendar/index.ts'
import { launchChromium } from '../../support/chromium.ts'
import { tempDir } from '../../support/gateway-config.ts'
import { freePort } from '../../support/ports.ts'
import { ProcessGroup, run, start, type ManagedProcess } from '../../support/processes.ts'
import { simulatorControl, type SimulatorControl } from '../../support/simulator-control.ts'
import { startPtyPair } from '../../support/socat.ts'
import { CLI, ROOT } from '../../support/store-forward.ts'
import { explained, until } from '../../support/until.ts'

const FLEET = join(ROOT, 'fleet-server/bin/fleet-server.js')
const METHANE = 'ccri-gjc4-catalytic-methane'
const KDG4 = 'generic-kdg4-power-cut-controller'
const ADMIN = 'admin-li'
const PASSWORD = 'correct horse battery'
const T90_S = 20

const group = new ProcessGroup()
const dir = tempDir('commissioning-e2e')
const at = (name: string) => join(dir.path, name)
const node = (args: string[], timeoutMs = 60_000) => run(process.execPath, args, { cwd: ROOT, timeoutMs })
const db = at('fleet.sqlite')
const today = localDay(Date.now())

let ports = { http: 0, mqtt: 0 }
let server: ManagedProcess | undefined
let url = ''
let token = ''

interface Gateway {
  id: string
  site: string
  folder: string
  config: string
  control: SimulatorControl
  agent?: ManagedProcess
}
const gateways: Record<'a' | 'b', Gateway> = {} as never

async function startServer(): Promise<void> {
  const started = await group.startReady(process.execPath, [FLEET, 'start', '--port', String(ports.http), '--mqtt-port', String(ports.mqtt), '--db', db],
    /^fleet server listening on (\S+) \(mqtt (\S+)\)/u, { cwd: ROOT, name: 'fleet-server', timeoutMs: 30_000 })
  server = started.proc
  url = started.match[1]!
  const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: ADMIN, password: PASSWORD }) })
  token = ((await login.json()) as { token: string }).token
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200)
  return await response.json() as T
}

/** One gateway at `site`: its RS-485 line (a socat pair), the simulated devices on it, its provisioned config. */
async function gatewayAt(key: 'a' | 'b', site: string, devices: string[], t90S: number, configBody: string[]): Promise<void> {
  const id = `gw-${site}`
  const folder = at(key)
  const pair = await startPtyPair()
  group.add(pair.proc)
  const simulator = await group.startReady(process.execPath, [CLI, 'simulate', '--rtu', pair.b, '--baud', '9600', ...devices.flatMap((d) => ['--device', d]),
    '--gas-t90-s', String(t90S), '--control', '127.0.0.1:0'],
  /^simulator ready rtu \S+ units [\d,]+ control (\S+)$/mu, { cwd: ROOT, name: `simulator-${site}`, timeoutMs: 30_000 })
  const config = join(folder, 'gateway.yaml')
  mkdirSync(folder, { recursive: true })
  writeFileSync(config, [
    `gateway: { id: ${id}, site: ${site} }`,
    'buffer: { path: outbox.sqlite }',
    'buses:',
    `  - { id: rs485-1, type: rtu, path: ${pair.a}, baud: 9600, timeoutMs: 300 }`,
    ...configBody,
    '',
  ].join('\n'))
  const minted = await node([FLEET, 'enroll-token', '--site', site, '--db', db])
  expect(minted.code, minted.stderr).toBe(0)
  const provisioned = await node([CLI, 'provision', '--server', url, '--token', minted.stdout.trim(), '--config', config])
  expect({ code: provisioned.code, stderr: provisioned.stderr }).toEqual({ code: 0, stderr: '' })
  expect(provisioned.stdout).toMatch(/signing key written to \S+gateway\.signing-key\.pem and registered/u)
  gateways[key] = { id, site, folder, config, control: await simulatorControl(simulator.match[1]!) }
}

async function startAgent(gateway: Gateway): Promise<void> {
  gateway.agent = group.add(start(process.execPath, [CLI, 'run', '--config', gateway.config], { cwd: ROOT, name: `agent-${gateway.site}` }))
  await gateway.agent.waitForLine(/control: listening on/u, 30_000)
}

const sensor = (id: string, unit: number) => [
  `  - id: ${id}`,
  '    bus: rs485-1',
  `    unit: ${unit}`,
  `    profile: ${METHANE}`,
  '    pollMs: 500',
  '    priority: safety',
  '    system: monitoring',
  '    alarms: { ch4: { preset: coal-ch4-t0-upper-corner, latch: [power-off] } }',
]
const relay = (id: string, unit: number) => [`  - { id: ${id}, bus: rs485-1, unit: ${unit}, profile: ${KDG4}, pollMs: 500, priority: safety, system: monitoring }`]
const powerCut = (id: string, source: string, relayId: string, restore: string) => [
  `  - id: ${id}`,
  `    when: [ { device: ${source}, channel: ch4, above: 1.5 } ]`,
  `    action: { device: ${relayId}, channel: cut_1, value: true, feedback: { device: ${relayId}, channel: feed_1 }, feedbackMs: 2000 }`,
  '    failSafe: true',
  `    ${restore}`,
]

function writePlan(gateway: Gateway, name: string, devices: { device: string; gas?: boolean; exposureS?: number }[]): string {
  const path = join(gateway.folder, name)
  writeFileSync(path, [
    'technician: { name: 李工, company: 乐平安装公司, certificate: AQ-2026-0117 }',
    'devices:',
    ...devices.flatMap(({ device, gas, exposureS = 120 }) => [
      `  - device: ${device}`,
      ...(gas ? [
        '    zero: { seconds: 5 }',
        `    gas: { name: CH4 in air, concentration: 2.0, unit: "%CH4", lot: L-2026-118, expiresOn: 2027-06-30, t90LimitS: 30, recoveryLimitS: 60, maxExposureS: ${exposureS} }`,
        `    calibratedOn: ${today}`,
      ] : []),
    ]),
  ].join('\n'))
  return path
}

/**
 * `edge-agent commission --plan --yes`, with this test as the installer: each ">>> APPLY … to DEVICE"
 * line puts `gasFor(device)` on that device's simulated sensor, each ">>> REMOVE … from DEVICE" takes it off.
 */
async function commission(gateway: Gateway, plan: string, units: Record<string, { unit: number; gas: number }>): Promise<ManagedProcess> {
  const proc = start(process.execPath, [CLI, 'commission', '--config', gateway.config, '--plan', plan, '--yes'], { cwd: ROOT, name: `commission-${gateway.site}` })
  group.add(proc)
  let handled = 0
  const done = proc.exited
  let finished = false
  void done.then(() => { finished = true })
  while (!finished) {
    const lines = proc.stdout.split('\n').filter((l) => l.startsWith('>>> '))
    for (const line of lines.slice(handled)) {
      const apply = /^>>> APPLY .* to (\S+)$/u.exec(line)
      const remove = /^>>> REMOVE .* from (\S+) now$/u.exec(line)
      if (apply) await gateway.control.apply(units[apply[1]!]!.unit, 'ch4', units[apply[1]!]!.gas)
      if (remove) await gateway.control.remove(units[remove[1]!]!.unit)
    }
    handled = lines.length
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return proc
}

interface RunAnswer { run: Run; hash: string; keyId: string; verified: boolean }
type SiteRuns = { runId: string; gatewayId: string; result: string }[]
interface ComplianceRow { system: string; installedOn: string | null; evidence?: string }

const monitoringRow = async (site: string): Promise<ComplianceRow> => {
  const answer = await api<{ rows: ComplianceRow[] }>(`/api/compliance/sites/${site}`)
  return answer.rows.find((r) => r.system === 'monitoring')!
}

beforeAll(async () => {
  writeFileSync(at('sites.csv'), 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\n'
    + 'ent-1,乐平煤业,mine-a,一号井,coal-mine,涌山镇\nent-1,乐平煤业,mine-b,二号井,coal-mine,涌山镇\n')
  expect((await node([FLEET, 'import', '--sites', at('sites.csv'), '--db', db])).code).toBe(0)
  writeFileSync(at('password.txt'), `${PASSWORD}\n`, { mode: 0o600 })
  expect((await node([FLEET, 'user', 'add', '--name', ADMIN, '--role', 'admin', '--password-file', at('password.txt'), '--db', db])).code).toBe(0)
  ports = { http: await freePort(), mqtt: await freePort() }
  await startServer()

  await gatewayAt('a', 'mine-a', [`1:${METHANE}:gas-test`, `5:${KDG4}:static`], T90_S, [
    'devices:', ...sensor('ch4-t1', 1), ...relay('kdg-1', 5),
    'interlocks:', ...powerCut('ch4-t1-power-cut', 'ch4-t1', 'kdg-1', 'manualReset: true'),
  ])
  await gatewayAt('b', 'mine-b', [`1:${METHANE}:gas-test`, `2:${METHANE}:gas-test`, `6:${KDG4}:stuck`], 5, [
    'devices:', ...sensor('ch4-weak', 1), ...sensor('ch4-b2', 2), ...relay('kdg-stuck', 6),
    'interlocks:', ...powerCut('ch4-b2-power-cut', 'ch4-b2', 'kdg-stuck', 'restoreAfterMs: 2000'),
  ])
  await Promise.all([startAgent(gateways.a), startAgent(gateways.b)])
}, 180_000)

let browser: Browser | undefined

afterAll(async () => {
  await browser?.close()
  await Promise.all(Object.values(gateways).map((g) => g.control.close()))
  await group.stopAll()
  dir.remove()
}, 60_000)

const logsOf = (proc: ManagedProcess | undefined) => `\n${proc?.name}: ${proc?.stdout.slice(-3000) ?? ''}\n${proc?.stderr.slice(-3000) ?? ''}`

it('commissions a methane sensor and its KDG-4 power cut at mine-a: the signed record arrives, verifies, and installs monitoring', async () => {
  const a = gateways.a
  expect((await monitoringRow('mine-a')).installedOn).toBeNull()
  const passing = commission(a, writePlan(a, 'plan.yaml', [{ device: 'ch4-t1', gas: true }, { device: 'kdg-1' }]), { 'ch4-t1': { unit: 1, gas: 2.0 } })
  // mine-b fails at the same time (the next test judges it)
  const b = gateways.b
  failing = commission(b, writePlan(b, 'plan.yaml', [{ device: 'ch4-weak', gas: true, exposureS: 30 }, { device: 'ch4-b2', gas: true }, { device: 'kdg-stuck' }]), {
    'ch4-weak': { unit: 1, gas: 0.8 }, // the sensor reads 0.8 under 2.0 %CH4: it never reaches its alarm level of 1.0
    'ch4-b2': { unit: 2, gas: 2.0 },
  })
  const proc = await passing
  const exit = await proc.exited
  expect(exit.code, logsOf(proc) + logsOf(a.agent)).toBe(0)
  expect(proc.stdout).toMatch(/^>>> APPLY the test gas now: 2 %CH4 CH4 in air \(lot L-2026-118, expires 2027-06-30\) to ch4-t1$/mu)
  expect(proc.stdout).toMatch(/run gw-mine-a:\d+ recorded \(event \d+\)/u)

  await explained(until('the run at the server', async () => (await api<SiteRuns>('/api/sites/mine-a/commissioning-runs')).length === 1, { timeoutMs: 30_000 }), () => logsOf(server))
  const [listed] = await api<SiteRuns>('/api/sites/mine-a/commissioning-runs')
  expect(listed).toMatchObject({ gatewayId: 'gw-mine-a', result: 'passed' })
  const answer = await api<RunAnswer>(`/api/gateways/gw-mine-a/commissioning-runs/${encodeURIComponent(listed!.runId)}`)
  expect(answer.verified).toBe(true)
  const [sensorRun, relayRun] = answer.run.devices
  expect(sensorRun!.steps.map((s) => `${s.kind} ${s.result}`)).toEqual(['identity passed', 'zero passed', 'gas passed', 'interlock passed', 'calibration passed'])
  expect(relayRun!.steps.map((s) => `${s.kind} ${s.result}`)).toEqual(['identity passed'])
  const gas = sensorRun!.steps.find((s): s is GasStep => s.kind === 'gas')!
  expect(gas.t90S).toBeGreaterThanOrEqual(T90_S * 0.9)
  expect(gas.t90S).toBeLessThanOrEqual(T90_S * 1.1)
  expect(gas.levels.map((l) => `${l.level} ${l.result}`)).toEqual(['alarm passed', 'power-off passed'])
  const interlock = sensorRun!.steps.find((s): s is InterlockStep => s.kind === 'interlock')!
  expect(interlock.confirmedAt! - interlock.actuatedAt!).toBeLessThanOrEqual(2000)
  expect(interlock.restoredAt).toBeGreaterThan(gas.removedAt!)
  console.info(`mine-a: measured T90 ${gas.t90S} s (simulator ${T90_S} s), plateau ${gas.plateau}, recovery ${gas.recoveryS} s, feedback ${interlock.confirmedAt! - interlock.actuatedAt!} ms`)

  expect(await monitoringRow('mine-a')).toMatchObject({ installedOn: today })
  const { commissioning } = await api<{ commissioning: { system: string; evidence: string; runIds?: string[] }[] }>('/api/compliance/sites/mine-a')
  expect(commissioning.map(({ system, evidence, runIds }) => ({ system, evidence, runIds }))).toEqual([{ system: 'monitoring', evidence: 'tested', runIds: [listed!.runId] }])
  const shown = await run(process.execPath, [CLI, 'commission', '--config', a.config, '--show'], { cwd: ROOT, timeoutMs: 30_000 })
  expect(shown.stdout).toMatch(/commissioning PASSED by 李工 \(乐平安装公司\)/u)
  expect(shown.stdout).toMatch(/ch4-t1 PASSED: identity ok, zero ok, gas 2 %CH4 ok \(T90 \d+(\.\d)? s/u)
}, 300_000)

it('the evidence page shows the run: its steps, the measured T90 and the readings chart', async () => {
  const [listed] = await api<SiteRuns>('/api/sites/mine-a/commissioning-runs')
  const { run: record } = await api<RunAnswer>(`/api/gateways/gw-mine-a/commissioning-runs/${encodeURIComponent(listed!.runId)}`)
  const gas = record.devices[0]!.steps.find((s): s is GasStep => s.kind === 'gas')!
  browser = await launchChromium()
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
  await page.goto(url)
  await page.getByLabel('用户名').fill(ADMIN)
  await page.getByLabel('密码').fill(PASSWORD)
  await page.getByLabel('密码').press('Enter')
  await page.getByTestId('login-form').waitFor({ state: 'detached' })
  await page.goto(`${url}/#/compliance/site/mine-a`)
  const link = page.locator('[data-testid="commissioning-row"][data-evidence="tested"]').getByTestId('run-link')
  await link.first().click()
  const shown = page.locator(`[data-testid="run"][data-run-id="${listed!.runId}"]`)
  await shown.waitFor({ timeout: 30_000 })
  expect(await shown.getAttribute('data-result')).toBe('passed')
  const step = (kind: string) => page.locator(`[data-testid="run-step"][data-kind="${kind}"]`).first()
  expect(await page.getByTestId('run-step').evaluateAll((steps) => steps.map((s) => `${(s as HTMLElement).dataset.kind}:${(s as HTMLElement).dataset.result}`)))
    .toEqual(['identity:passed', 'zero:passed', 'gas:passed', 'interlock:passed', 'calibration:passed', 'identity:passed'])
  expect(await step('gas').getByTestId('figure-t90').textContent()).toContain(`${gas.t90S} s`)
  const moments = await step('gas').getByTestId('gas-chart').getByTestId('moment').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-kind')))
  expect(moments).toEqual(['applied', 't90', 'removed'])
}, 120_000)

let failing: Promise<ManagedProcess>

it('a sensor short of its alarm level and a relay whose feedback never follows fail with their reasons at mine-b; installedOn stays unset', async () => {
  const proc = await failing
  const exit = await proc.exited
  expect(exit.code, logsOf(proc) + logsOf(gateways.b.agent)).toBe(1)
  expect(proc.stderr).toMatch(/the run FAILED \(ch4-weak, ch4-b2\)/u)
  await explained(until('the failed run at the server', async () => (await api<SiteRuns>('/api/sites/mine-b/commissioning-runs')).length === 1, { timeoutMs: 30_000 }), () => logsOf(server))
  const [listed] = await api<SiteRuns>('/api/sites/mine-b/commissioning-runs')
  const { run: record } = await api<RunAnswer>(`/api/gateways/gw-mine-b/commissioning-runs/${encodeURIComponent(listed!.runId)}`)
  expect(record.result).toBe('failed')
  const weak = record.devices.find((d) => d.device === 'ch4-weak')!
  const weakGas = weak.steps.find((s): s is GasStep => s.kind === 'gas')!
  expect(weakGas.reasons.join('; ')).toMatch(/level alarm \(set point 1\.00 %CH4\) never raised: the reading peaked at 0\.[78]\d %CH4/u)
  const cut = record.devices.find((d) => d.device === 'ch4-b2')!.steps.find((s): s is InterlockStep => s.kind === 'interlock')!
  expect(cut).toMatchObject({ result: 'failed', reason: expect.stringMatching(/^trip failed: .*feed_1/u) as string })
  expect((await monitoringRow('mine-b')).installedOn).toBeNull()
}, 300_000)

it('a run done while the fleet server and its broker are down arrives when they are back', async () => {
  const b = gateways.b
  await server!.stop()
  const proc = await commission(b, writePlan(b, 'offline.yaml', [{ device: 'ch4-b2', gas: true }]), { 'ch4-b2': { unit: 2, gas: 2.0 } })
  const exit = await proc.exited
  expect(exit.code, logsOf(proc)).toBe(1) // the stuck relay fails it again: what matters here is that it is recorded offline
  expect(proc.stdout).toMatch(/run gw-mine-b:\d+ recorded \(event \d+\); it reaches the server through the outbox/u)
  await startServer()
  await explained(until('the offline run at the server', async () => (await api<SiteRuns>('/api/sites/mine-b/commissioning-runs')).length === 2, { timeoutMs: 60_000 }), () => logsOf(server) + logsOf(b.agent))
  const ids = (await api<SiteRuns>('/api/sites/mine-b/commissioning-runs')).map((r) => r.runId)
  const local = JSON.parse((await run(process.execPath, [CLI, 'commission', '--config', b.config, '--show', '--json'], { cwd: ROOT, timeoutMs: 30_000 })).stdout) as { run: Run }[]
  expect(ids.sort()).toEqual(local.map((r) => r.run.id).sort())
}, 300_000)
