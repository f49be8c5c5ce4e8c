/**
 * Issue 13 §2: every kind of line the agent and the fleet server log is one JSON object whose
 * `level` is pino's number, and no key occurs twice in it (a reader keeps the last of two, so an
 * alarm's own `"level":"alarm"` after pino's `"level":40` hid every alarm from a severity filter).
 *
 * The real programs, their logs on pipes (JSON), LOG_LEVEL=debug:
 * - the fleet server (`fleet-server start`, embedded broker) enrols the gateway, then stops;
 * - the agent (`edge-agent run`) polls a simulator over Modbus TCP while the server is down — the
 *   uplink unreachable — with a methane leak (alarm, power-off, interlock trip and restore through a
 *   power-cut relay), a sensor reporting a fault and a unit that never answers (offline);
 * - on the gateway, `edge-agent alarms` and `edge-agent ack` (control socket lines, acknowledgements);
 * - the server comes back on the same ports: the agent connects and its records are ingested; HTTP
 *   requests answered 200, 401, 404, 400 and 410; an MQTT payload that is not JSON (rejected by the
 *   ingest), a publish on another gateway's topic and a sign-in with a wrong password (refused by the
 *   broker);
 * - both stop on a signal.
 * Each kind of line is asserted to have been seen, so the check covers what it claims.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterAll, expect, it } from 'vitest'
import { freePort } from '../support/ports.ts'
import { ProcessGroup, run, start, type ManagedProcess } from '../support/processes.ts'
import { tempDir, type TempDir } from '../support/gateway-config.ts'
import { CLI, ROOT } from '../support/store-forward.ts'
import { explained, until } from '../support/until.ts'
import { completeLines, lineProblems, type LogRecord } from './json-lines.ts'

const FLEET = join(ROOT, 'fleet-server/bin/fleet-server.js')
const SITE = 'mine-1'
const GATEWAY = 'logs-gw'
const METHANE = 'ccri-gjc4-catalytic-methane'
const RELAY = 'generic-kdg4-power-cut-controller'
// --pending-deprecation: what a later Node deprecates (url.parse() warns on every start under Node 24)
// shows on this one's stderr too, which must stay empty
const env = { ...process.env, LOG_LEVEL: 'debug', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --pending-deprecation`.trim() }

const group = new ProcessGroup()
const dir: TempDir = tempDir('log-lines')
afterAll(async () => {
  await group.stopAll()
  dir.remove()
}, 30_000)

const node = (args: string[]) => run(process.execPath, args, { cwd: ROOT, env, timeoutMs: 30_000 })
const msgs = (proc: ManagedProcess, stream: 'stdout' | 'stderr') => completeLines(proc[stream])
  .flatMap((line) => { try { return [String((JSON.parse(line) as LogRecord).msg)] } catch { return [] } })
const saw = (proc: ManagedProcess, stream: 'stdout' | 'stderr', pattern: RegExp) => msgs(proc, stream).some((m) => pattern.test(m))

it('every line the agent and the fleet server log is JSON with pino\'s numeric level and no key twice', async () => {
  const db = join(dir.path, 'fleet.sqlite')
  const sites = join(dir.path, 'sites.csv')
  writeFileSync(sites, `enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\nent-1,乐平煤业,${SITE},一号井,coal-mine,涌山镇\n`)
  const imported = await node([FLEET, 'import', '--sites', sites, '--db', db])
  expect(imported.code, imported.stderr).toBe(0)
  const token = await node([FLEET, 'enroll-token', '--site', SITE, '--db', db])
  expect(token.code, token.stderr).toBe(0)

  const [httpPort, mqttPort] = [await freePort(), await freePort()]
  const serverRuns: ManagedProcess[] = []
  const startServer = async () => {
    const { proc } = await group.startReady(process.execPath, [FLEET, 'start', '--port', String(httpPort), '--mqtt-port', String(mqttPort), '--db', db],
      /^fleet server listening/u, { cwd: ROOT, env, name: `fleet-server-${serverRuns.length + 1}`, timeoutMs: 30_000 })
    serverRuns.push(proc)
    return proc
  }
  const api = `http://127.0.0.1:${httpPort}`
  const post = (path: string, body: unknown) => fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  // enrolment, then the server goes away
  let server = await startServer()
  const enrolled = await post('/api/enroll', { token: token.stdout.trim(), gatewayId: GATEWAY })
  expect(enrolled.status).toBe(200)
  const { username, password } = await enrolled.json() as { username: string; password: string }
  const credentials = join(dir.path, 'credentials.json')
  writeFileSync(credentials, JSON.stringify({ username, password }), { mode: 0o600 })
  await server.stop('SIGINT')

  const { match } = await group.startReady(process.execPath, [CLI, 'simulate', '--tcp', '127.0.0.1:0', '--period-s', '10',
    '--device', `1:${METHANE}:leak`, '--device', `5:${RELAY}:steady`, '--device', `2:${METHANE}:fault`, '--device', `3:${METHANE}:offline`],
  /^simulator ready tcp 127\.0\.0\.1:(\d+) /u, { cwd: ROOT, name: 'simulator', timeoutMs: 30_000 })
  const config = join(dir.path, 'gateway.yaml')
  const device = (id: string, unit: number, profile: string, pollMs: number) => `  - { id: ${id}, bus: tcp-a, unit: ${unit}, profile: ${profile}, pollMs: ${pollMs} }`
  writeFileSync(config, [
    `gateway: { id: ${GATEWAY}, site: ${SITE} }`,
    `uplink: { url: "mqtt://127.0.0.1:${mqttPort}", credentialsFile: ${credentials} }`,
    `buffer: { path: ${join(dir.path, 'outbox.sqlite')} }`,
    'buses:',
    `  - { id: tcp-a, type: tcp, host: 127.0.0.1, port: ${match[1]}, timeoutMs: 300 }`,
    'devices:',
    device('ch4-leak', 1, METHANE, 250),
    device('relay-a', 5, RELAY, 250),
    device('ch4-fault', 2, METHANE, 500),
    device('ch4-off', 3, METHANE, 1000),
    'interlocks:',
    '  - id: leak-cut',
    '    when: [{ device: ch4-leak, channel: ch4, above: 1.5, restore: 1.0 }]',
    '    action: { device: relay-a, channel: cut_1, value: true }',
    '',
  ].join('\n'))
  const agent = group.add(start(process.execPath, [CLI, 'run', '--config', config], { cwd: ROOT, env, name: 'edge-agent' }))
  const offline = [/^uplink: broker unreachable/u, /^alarm raised: ch4-leak\/ch4 level alarm/u, /^alarm escalated: ch4-leak\/ch4 level power-off/u,
    /^interlock leak-cut tripped/u, /^interlock leak-cut restored/u, /^alarm raised: ch4-fault\/ch4 sensor-fault device-fault/u,
    /^alarm raised: ch4-off\/ch4 sensor-fault comm-fail/u, /^device ch4-off offline/u, /^device ch4-fault fault/u]
  await explained(until('the agent\'s lines of the outage', () => offline.every((p) => saw(agent, 'stdout', p)), { timeoutMs: 60_000, everyMs: 50 }),
    () => `not seen: ${offline.filter((p) => !saw(agent, 'stdout', p)).join(', ')}`)

  // the operator on the gateway
  const alarms = await node([CLI, 'alarms', '--config', config])
  expect(alarms.code, alarms.stderr).toBe(0)
  const ack = await node([CLI, 'ack', '--config', config, '--all', '--by', 'tester'])
  expect(ack.code, ack.stderr).toBe(0)

  // the server is back: ingest, HTTP, payloads refused
  server = await startServer()
  await until('the agent connected', () => saw(agent, 'stdout', /^uplink connected/u), { timeoutMs: 60_000, everyMs: 50 })
  const accepted = async () => ((await (await fetch(`${api}/api/health`)).json()) as { ingest: { accepted: number } }).ingest.accepted
  await until('the fleet server to accept the agent\'s records', async () => (await accepted()) > 0, { timeoutMs: 30_000, everyMs: 50 })
  expect((await fetch(`${api}/api/alarms`)).status).toBe(401)
  expect((await fetch(`${api}/no-such-page`)).status).toBe(404)
  expect((await post('/api/enroll', { token: 42 })).status).toBe(400)
  expect((await post('/api/enroll', { token: 'x'.repeat(43), gatewayId: 'other-gw' })).status).toBe(410)
  // a gateway signs in with its own client id only: this client takes the agent's session over until the agent reconnects (1 s or more)
  const client = await connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username, password, clientId: `edge-${SITE}-${GATEWAY}`, reconnectPeriod: 0 })
  await client.publishAsync(`fleet/v1/${SITE}/${GATEWAY}/events`, 'not json', { qos: 1 })
  client.publish(`fleet/v1/${SITE}/other-gw/events`, '{}', { qos: 0 })
  await connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username, password: 'wrong', clientId: `${GATEWAY}-wrong`, reconnectPeriod: 0 })
    .then((c) => c.endAsync(true), () => undefined)
  const refused = [/^message rejected/u, /^MQTT publish refused/u, /^MQTT sign-in refused/u]
  await explained(until('the server\'s refusals', () => refused.every((p) => saw(server, 'stderr', p)), { timeoutMs: 30_000, everyMs: 50 }),
    () => `not seen: ${refused.filter((p) => !saw(server, 'stderr', p)).join(', ')}`)
  await client.endAsync(true)

  expect((await agent.stop('SIGTERM')).code).toBe(0)
  expect((await server.stop('SIGINT')).code).toBe(0)

  const agentLines = completeLines(agent.stdout)
  const serverLines = serverRuns.flatMap((s) => completeLines(s.stderr))
  expect([...agentLines, ...serverLines].flatMap(lineProblems)).toEqual([])
  expect(agent.stderr).toBe('')

  // the kinds of line this covers were all there
  const agentRecords = agentLines.map((l) => JSON.parse(l) as LogRecord & { event?: { type: string; state: string; kind?: string } })
  const seen = (records: LogRecord[], pattern: RegExp) => records.some((r) => pattern.test(String(r.msg)))
  for (const pattern of [...offline, /^edge agent starting$/u, /^control: listening/u, /^control: command safety-status/u, /^control: command ack-alarm/u,
    /^alarm acknowledged: /u, /^alarm cleared: /u, /^interlock leak-cut: writing relay-a\/cut_1 = true$/u, /^device ch4-leak online$/u,
    /^uplink connected/u, /^stopping$/u]) expect(seen(agentRecords, pattern), String(pattern)).toBe(true)
  const serverRecords = serverLines.map((l) => JSON.parse(l) as LogRecord)
  for (const pattern of [...refused, /^embedded MQTT broker listening$/u, /^ingest connected$/u, /^fleet server listening$/u,
    /^incoming request$/u, /^request completed$/u, /^stopping$/u]) expect(seen(serverRecords, pattern), String(pattern)).toBe(true)
  // filtering by severity finds the alarms: raised at warn, an interlock trip at error
  expect(agentRecords.filter((r) => r.event?.type === 'alarm' && r.event.state === 'raised').map((r) => r.level)).toEqual(expect.arrayContaining([40]))
  expect(agentRecords.filter((r) => r.event?.type === 'alarm' && r.event.state === 'raised').every((r) => r.level === 40)).toBe(true)
  expect(agentRecords.filter((r) => r.event?.type === 'interlock' && r.event.state === 'tripped').every((r) => r.level === 50)).toBe(true)
}, 240_000)
