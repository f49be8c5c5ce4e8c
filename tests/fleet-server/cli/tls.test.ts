/**
 * Issue 15, "Build what trust needs": the whole path over TLS, with a CA this test makes (openssl).
 * `fleet-server start --tls-cert --tls-key --mqtts-port`: HTTPS sign-in (the session cookie Secure),
 * an enrolment that hands the gateway the mqtts:// URL, and `edge-agent run` publishing over mqtts
 * with the CA in `uplink.caFile` — its telemetry arrives. A client that does not trust the CA is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterAll, expect, it } from 'vitest'
import { freePort } from '../../support/ports.ts'
import { ProcessGroup, run, start } from '../../support/processes.ts'
import { tempDir } from '../../support/gateway-config.ts'
import { makeServerCertificate, makeTestCa } from '../../support/test-ca.ts'
import { CLI, ROOT } from '../../support/store-forward.ts'
import { explained, valueOf } from '../../support/until.ts'

const FLEET = join(ROOT, 'fleet-server/bin/fleet-server.js')
const SITE = 'tls-mine'
const GATEWAY = 'tls-gw'
const METHANE = 'ccri-gjc4-catalytic-methane'
const PASSWORD = 'correct horse battery'

const group = new ProcessGroup()
const dir = tempDir('fleet-tls')
afterAll(async () => {
  await group.stopAll()
  dir.remove()
}, 30_000)

const at = (name: string) => join(dir.path, name)
const node = (args: string[]) => run(process.execPath, args, { cwd: ROOT, timeoutMs: 30_000 })

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** An HTTPS request trusting only the test CA. */
function https(ca: Buffer, url: string, options: { method?: string; body?: unknown; cookie?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    const req = request(url, {
      ca, method: options.method ?? 'GET',
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(options.cookie !== undefined && { cookie: options.cookie }) },
    }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk }).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

it('HTTPS sign-in with a Secure cookie, enrolment to mqtts://, and an agent\'s telemetry over mqtts with the pinned CA', async () => {
  const testCa = await makeTestCa(dir.path, 'fleet-test-ca')
  const certificate = await makeServerCertificate(dir.path, testCa)
  const db = at('fleet.sqlite')
  writeFileSync(at('sites.csv'), `enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\nent-1,乐平煤业,${SITE},一号井,coal-mine,涌山镇\n`)
  expect((await node([FLEET, 'import', '--sites', at('sites.csv'), '--db', db])).code).toBe(0)
  writeFileSync(at('password.txt'), `${PASSWORD}\n`, { mode: 0o600 })
  const added = await node([FLEET, 'user', 'add', '--name', 'ent-1-user', '--role', 'enterprise', '--enterprise', 'ent-1', '--password-file', at('password.txt'), '--db', db])
  expect(added.code, added.stderr).toBe(0)
  const token = await node([FLEET, 'enroll-token', '--site', SITE, '--db', db])
  expect(token.code, token.stderr).toBe(0)

  const [httpPort, mqttPort, mqttsPort] = [await freePort(), await freePort(), await freePort()]
  const { proc: server, match } = await group.startReady(process.execPath, [FLEET, 'start', '--port', String(httpPort), '--mqtt-port', String(mqttPort),
    '--mqtts-port', String(mqttsPort), '--tls-cert', certificate.cert, '--tls-key', certificate.key, '--db', db],
  /^fleet server listening on (\S+) \(mqtt (\S+)\)/u, { cwd: ROOT, name: 'fleet-server', timeoutMs: 30_000 })
  expect(match[1]).toBe(`https://127.0.0.1:${httpPort}`)
  expect(match[2]).toBe(`mqtts://127.0.0.1:${mqttsPort}`)
  const api = match[1]!
  const ca = readFileSync(testCa.cert)

  // HTTPS sign-in: the cookie is Secure, HSTS is on
  const login = await https(ca, `${api}/api/login`, { method: 'POST', body: { name: 'ent-1-user', password: PASSWORD } })
  expect(login.status, login.body).toBe(200)
  const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? [])
  expect(setCookie.length).toBe(1)
  expect(setCookie[0]).toMatch(/^fleet_session=[^;]+;.*; Secure$/u)
  expect(login.headers['strict-transport-security']).toMatch(/max-age=\d+/u)
  const cookie = setCookie[0]!.split(';')[0]!

  // enrolment over HTTPS hands out the mqtts:// URL
  const enrolled = await https(ca, `${api}/api/enroll`, { method: 'POST', body: { token: token.stdout.trim(), gatewayId: GATEWAY } })
  expect(enrolled.status, enrolled.body).toBe(200)
  const credentials = JSON.parse(enrolled.body) as { username: string; password: string; mqttUrl: string }
  expect(credentials.mqttUrl).toBe(`mqtts://127.0.0.1:${mqttsPort}`)
  writeFileSync(at('credentials.json'), JSON.stringify({ username: credentials.username, password: credentials.password }), { mode: 0o600 })

  // a client that does not trust the test CA gets no session
  await expect(connectAsync(credentials.mqttUrl, { username: credentials.username, password: credentials.password, clientId: `edge-${SITE}-${GATEWAY}`, reconnectPeriod: 0, connectTimeout: 5000 }))
    .rejects.toThrow(/self[- ]signed|unable to verify|certificate/iu)

  const { match: simulator } = await group.startReady(process.execPath, [CLI, 'simulate', '--tcp', '127.0.0.1:0', '--device', `1:${METHANE}:steady`],
    /^simulator ready tcp 127\.0\.0\.1:(\d+) /u, { cwd: ROOT, name: 'simulator', timeoutMs: 30_000 })
  const config = at('gateway.yaml')
  writeFileSync(config, [
    `gateway: { id: ${GATEWAY}, site: ${SITE} }`,
    `uplink: { url: "${credentials.mqttUrl}", credentialsFile: ${at('credentials.json')}, caFile: ${testCa.cert} }`,
    `buffer: { path: ${at('outbox.sqlite')} }`,
    'buses:',
    `  - { id: tcp-a, type: tcp, host: 127.0.0.1, port: ${simulator[1]}, timeoutMs: 300 }`,
    'devices:',
    `  - { id: ch4-1, bus: tcp-a, unit: 1, profile: ${METHANE}, pollMs: 250 }`,
    '',
  ].join('\n'))
  const agent = group.add(start(process.execPath, [CLI, 'run', '--config', config], { cwd: ROOT, name: 'edge-agent' }))

  // the agent's readings, stored by the server, read back over HTTPS with the session
  let lastSite = ''
  const reading = await explained(valueOf('the agent\'s telemetry, over mqtts, in the site\'s latest readings', async () => {
    const site = await https(ca, `${api}/api/sites/${SITE}`, { cookie })
    lastSite = `${site.status} ${site.body}`
    if (site.status !== 200) return undefined
    const { devices } = JSON.parse(site.body) as { devices: { id: string; readings: { channel: string; value: unknown }[] }[] }
    return devices.find((d) => d.id === 'ch4-1')?.readings.find((r) => r.channel === 'ch4' && typeof r.value === 'number')
  }, { timeoutMs: 60_000, everyMs: 200 }), () => `site: ${lastSite.slice(0, 1500)}\nagent: ${agent.stdout.slice(-2000)} ${agent.stderr.slice(-1000)}\nserver: ${server.stderr.slice(-2000)}`)
  expect(reading.value).toBeGreaterThanOrEqual(0)
  const health = JSON.parse((await https(ca, `${api}/api/health`)).body) as { mqtt: { url: string }; ingest: { accepted: number } }
  expect(health.mqtt.url).toBe(`mqtts://127.0.0.1:${mqttsPort}`)
  expect(health.ingest.accepted).toBeGreaterThan(0)

  expect((await agent.stop('SIGTERM')).code).toBe(0)
  expect((await server.stop('SIGINT')).code).toBe(0)
}, 120_000)
