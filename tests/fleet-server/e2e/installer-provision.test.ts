/**
 * Issue 16 acceptance, end to end over TLS with a test CA (openssl): the installer signs in to the real
 * `fleet-server start --tls-cert --tls-key` in chromium — which trusts exactly that server's key
 * (--ignore-certificate-errors-spki-list), not every certificate — sees the assigned site with no gateway,
 * mints an enrolment token in the installer view and reads its short code off the page; the real
 * `edge-agent provision` enrols with that code and the CA and fills the gateway's config; `edge-agent run`
 * with that config then shows in the installer view as an online gateway with its agent version, and its
 * simulated methane sensor under the monitoring system, which is then no longer missing.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parse } from 'yaml'
import { AGENT_VERSION } from '../../../edge-agent/src/agent.ts'
import { launchChromium } from '../../support/chromium.ts'
import { tempDir } from '../../support/gateway-config.ts'
import { freePort } from '../../support/ports.ts'
import { ProcessGroup, run, start, type ManagedProcess } from '../../support/processes.ts'
import { CLI, ROOT } from '../../support/store-forward.ts'
import { makeServerCertificate, makeTestCa, spkiSha256, type CertificateFiles } from '../../support/test-ca.ts'
import { explained, until, valueOf } from '../../support/until.ts'

const FLEET = join(ROOT, 'fleet-server/bin/fleet-server.js')
const SITE = 'mine-a'
const GATEWAY = 'gw-pump'
const INSTALLER = 'inst-wang'
const PASSWORD = 'correct horse battery'
const METHANE = 'ccri-gjc4-catalytic-methane'

const group = new ProcessGroup()
const dir = tempDir('installer-provision')
const at = (name: string) => join(dir.path, name)
const node = (args: string[]) => run(process.execPath, args, { cwd: ROOT, timeoutMs: 60_000 })

let ca: CertificateFiles
let server: ManagedProcess
let url = ''
let mqttsPort = 0
let simulatorPort = 0
let browser: Browser
let page: Page
const pageErrors: string[] = []
let config = ''
let agent: ManagedProcess | undefined

beforeAll(async () => {
  ca = await makeTestCa(dir.path, 'fleet-ca')
  const certificate = await makeServerCertificate(dir.path, ca)
  writeFileSync(at('sites.csv'), 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\n'
    + `ent-1,乐平煤业,${SITE},一号井,coal-mine,涌山镇\nent-1,乐平煤业,mine-b,二号井,coal-mine,涌山镇\n`)
  const db = at('fleet.sqlite')
  const imported = await node([FLEET, 'import', '--sites', at('sites.csv'), '--db', db])
  expect(imported.code, imported.stderr).toBe(0)
  writeFileSync(at('password.txt'), `${PASSWORD}\n`, { mode: 0o600 })
  const added = await node([FLEET, 'user', 'add', '--name', INSTALLER, '--role', 'installer', '--site', SITE, '--password-file', at('password.txt'), '--db', db])
  expect(added.code, added.stderr).toBe(0)

  const [httpPort, mqttPort] = [await freePort(), await freePort()]
  mqttsPort = await freePort()
  const started = await group.startReady(process.execPath, [FLEET, 'start', '--port', String(httpPort), '--mqtt-port', String(mqttPort),
    '--mqtts-port', String(mqttsPort), '--tls-cert', certificate.cert, '--tls-key', certificate.key, '--db', db],
  /^fleet server listening on (\S+) \(mqtt (\S+)\)/u, { cwd: ROOT, name: 'fleet-server', timeoutMs: 30_000 })
  server = started.proc
  url = started.match[1]!
  expect(url).toBe(`https://127.0.0.1:${httpPort}`)

  const simulator = await group.startReady(process.execPath, [CLI, 'simulate', '--tcp', '127.0.0.1:0', '--device', `1:${METHANE}:steady`],
    /^simulator ready tcp 127\.0\.0\.1:(\d+) /u, { cwd: ROOT, name: 'simulator', timeoutMs: 30_000 })
  simulatorPort = Number(simulator.match[1])

  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiSha256(certificate.cert)}`])
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().includes('status of 401')) pageErrors.push(msg.text()) })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await group.stopAll()
  dir.remove()
}, 30_000)

const site = (): Locator => page.locator(`[data-testid="installer-site"][data-site-id="${SITE}"]`)
const gatewayRow = (): Locator => site().locator(`[data-testid="installer-gateway"][data-gateway-id="${GATEWAY}"]`)
const missingSystems = (): Promise<string[]> => site().getByTestId('missing-system').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.system ?? ''))
const logs = () => `\nfleet-server: ${server.stderr.slice(-2000)}\nagent: ${agent?.stdout.slice(-1500) ?? ''} ${agent?.stderr.slice(-1500) ?? ''}`

/** The gateway's config as the installer writes it on site before provisioning: its id and site, the simulator as its one device, no uplink. */
function draftConfig(): string {
  const path = at('gateway.yaml')
  writeFileSync(path, [
    '# pump room gateway',
    `gateway: { id: ${GATEWAY}, site: ${SITE} }`,
    'buffer: { path: outbox.sqlite }',
    'buses:',
    `  - { id: tcp-a, type: tcp, host: 127.0.0.1, port: ${simulatorPort}, timeoutMs: 300 }`,
    'devices:',
    `  - { id: ch4-1, bus: tcp-a, unit: 1, profile: ${METHANE}, pollMs: 250 }`,
    '',
  ].join('\n'))
  return path
}

it('the installer signs in over HTTPS and sees the assigned site with no gateway and monitoring missing', async () => {
  await page.goto(url)
  await page.getByTestId('login-form').waitFor()
  await page.getByLabel('用户名').fill(INSTALLER)
  await page.getByLabel('密码').fill(PASSWORD)
  await page.getByLabel('密码').press('Enter')
  await site().waitFor({ timeout: 30_000 })
  expect(await page.getByTestId('installer-site').count()).toBe(1)
  expect(await site().getByTestId('installer-gateway').count()).toBe(0)
  expect(await missingSystems()).toContain('monitoring')
}, 60_000)

it('mints a token in the page; edge-agent provision with the short code read off the page enrols the gateway and fills its config', async () => {
  await site().getByTestId('mint-button').click()
  const minted = site().getByTestId('minted-token')
  await minted.waitFor()
  const shortCode = (await minted.getByTestId('short-code').textContent())!
  expect(shortCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/u)
  expect(await minted.getByTestId('provision-command').textContent()).toMatch(new RegExp(`^edge-agent provision --server ${url.replace(/[.]/gu, '\\.')} --token \\S+ --config \\S+$`, 'u'))

  config = draftConfig()
  const provisioned = await node([CLI, 'provision', '--server', url, '--token', shortCode, '--config', config, '--ca', ca.cert])
  expect({ code: provisioned.code, stderr: provisioned.stderr }).toEqual({ code: 0, stderr: '' })
  expect(provisioned.stdout).toMatch(new RegExp(`^provisioned gateway ${GATEWAY} enrolled at site ${SITE}: .* works\\n$`, 'u'))
  const written = parse(readFileSync(config, 'utf8')) as { uplink?: { url: string; credentialsFile: string; caFile: string } }
  expect(written.uplink).toMatchObject({ url: `mqtts://127.0.0.1:${mqttsPort}`, credentialsFile: 'gateway.credentials.json' })
  expect(resolve(dirname(config), written.uplink!.caFile)).toBe(ca.cert)
  expect(statSync(at('gateway.credentials.json')).mode & 0o777).toBe(0o600)
  expect(readFileSync(config, 'utf8')).toMatch(/^# pump room gateway\n/u)

  await minted.getByTestId('mint-dismiss').click()
  // the page's own refresh (every 2 s) shows the gateway enrolled, not yet online
  await explained(until('the enrolled gateway in the installer view', async () =>
    (await gatewayRow().locator('[data-testid="gateway-enrolled"][data-enrolled="true"]').count()) === 1, { timeoutMs: 30_000, everyMs: 200 }),
  logs)
  expect(await gatewayRow().locator('[data-state]').getAttribute('data-state')).not.toBe('online')
}, 120_000)

it('edge-agent run with that config: the installer view shows the gateway online with its agent version, and its device under monitoring', async () => {
  agent = group.add(start(process.execPath, [CLI, 'run', '--config', config], { cwd: ROOT, name: 'edge-agent' }))
  const shown = await explained(valueOf('the gateway online in the installer view', async () => {
    const row = gatewayRow()
    if (await row.count() === 0) return undefined
    const state = await row.locator('[data-state]').getAttribute('data-state')
    return state === 'online' ? { version: (await row.locator('td').nth(2).textContent())?.trim() } : undefined
  }, { timeoutMs: 60_000, everyMs: 250 }), logs)
  expect(shown.version).toBe(AGENT_VERSION)

  const device = site().locator('[data-testid="installer-system"][data-system="monitoring"]').getByTestId('installer-device').filter({ hasText: 'ch4-1' })
  await explained(until('ch4-1 online under monitoring, which is then no longer missing', async () =>
    (await device.locator('.badge.state-online').count()) === 1 && !(await missingSystems()).includes('monitoring'),
  { timeoutMs: 60_000, everyMs: 250 }), logs)
}, 120_000)

it('raised no page error and no content security policy violation', () => {
  expect(pageErrors).toEqual([])
})

it('chromium without the pin refuses the server: the pin, not a blanket exception, is what trusts it', async () => {
  const unpinned = await launchChromium()
  try {
    const unpinnedPage = await unpinned.newPage()
    await expect(unpinnedPage.goto(url)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/u)
  } finally {
    await unpinned.close()
  }
}, 60_000)
