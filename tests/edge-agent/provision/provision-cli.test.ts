/**
 * Issue 16, item 3: `edge-agent provision` against the real fleet server over TLS (a CA made here with
 * openssl): the token exchanged, the credentials file (0600) and the config written (comments kept,
 * `check` accepts it), the MQTT login tried; a short code works as the token; a rerun with the spent
 * token says "already provisioned";
 * each bad case — expired, used or wrong-site token, server down, a CA that does not match, no gateway
 * id — is one line, exit 1 or 2, and leaves no file, the config byte for byte, and no gateway row.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { connectAsync } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../support/ports.ts'
import { ProcessGroup, run } from '../../support/processes.ts'
import { tempDir } from '../../support/gateway-config.ts'
import { makeServerCertificate, makeTestCa, type CertificateFiles } from '../../support/test-ca.ts'
import { CLI, ROOT } from '../../support/store-forward.ts'

const FLEET = join(ROOT, 'fleet-server/bin/fleet-server.js')
const METHANE = 'ccri-gjc4-catalytic-methane'
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/mu

const group = new ProcessGroup()
const dir = tempDir('provision')
const at = (name: string) => join(dir.path, name)
const db = at('fleet.sqlite')
let server = ''
let mqttsPort = 0

afterAll(async () => {
  await group.stopAll()
  dir.remove()
}, 30_000)

const node = (args: string[]) => run(process.execPath, args, { cwd: ROOT, timeoutMs: 60_000 })
const edgeAgent = (...args: string[]) => node([CLI, ...args])

/** A CA and a server certificate for 127.0.0.1 and localhost signed by it; and a second CA that signed nothing here. */
async function makeCertificates(): Promise<CertificateFiles> {
  await makeTestCa(dir.path, 'other-ca')
  return makeServerCertificate(dir.path, await makeTestCa(dir.path, 'fleet-ca'))
}

async function mintToken(site: string): Promise<string> {
  const minted = await node([FLEET, 'enroll-token', '--site', site, '--db', db])
  expect(minted.code, minted.stderr).toBe(0)
  return minted.stdout.trim()
}

function withDatabase<T>(use: (database: Database.Database) => T): T {
  const database = new Database(db, { timeout: 5000 })
  try {
    return use(database)
  } finally {
    database.close()
  }
}

/** what the server holds for a gateway id: its site and whether it has credentials */
const gatewayRow = (id: string) => withDatabase((d) => d.prepare('SELECT site_id AS site, password_hash IS NOT NULL AS enrolled FROM gateways WHERE id = ?').get(id))

/** A draft config as an installer has it before provisioning: comments, a device, no uplink. */
function draftConfig(folder: string, gateway: { id?: string; site?: string }): string {
  const path = join(folder, 'gateway.yaml')
  const lines = [
    '# pump room gateway — written on site',
    'gateway:',
    ...(gateway.id !== undefined ? [`  id: ${gateway.id}   # the label on the box`] : []),
    ...(gateway.site !== undefined ? [`  site: ${gateway.site}`] : []),
    '  name: pump room',
    '',
    '# the RS-485 converter by the door',
    'buses:',
    '  - { id: tcp-a, type: tcp, host: 127.0.0.1, port: 5020 }',
    'devices:',
    `  - { id: ch4-1, bus: tcp-a, unit: 1, profile: ${METHANE} }   # shaft bottom`,
    '',
  ]
  writeFileSync(path, lines.join('\n'))
  return path
}

let folders = 0
/** a folder of its own per gateway, so what a case leaves behind is what it wrote */
function gatewayFolder(): string {
  const path = at(`gw-${++folders}`)
  mkdirSync(path)
  return path
}

interface Outcome { code: number | null; stdout: string; stderr: string }

/** The case failed as it should: one line on stderr, the exit code, no file beside the config, the config as it was, no gateway on the server. */
function expectNothingWritten(result: Outcome, exitCode: number, line: RegExp | string, folder: string, config: { path: string; text: string }, gatewayId: string): void {
  expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code: exitCode, stdout: '' })
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines, result.stderr).toHaveLength(1)
  if (typeof line === 'string') expect(lines[0]).toBe(line)
  else expect(lines[0]).toMatch(line)
  expect(result.stderr).not.toMatch(STACK_LINE)
  expect(readdirSync(folder)).toEqual(['gateway.yaml'])
  expect(readFileSync(config.path, 'utf8')).toBe(config.text)
  expect(gatewayRow(gatewayId)).toBeUndefined()
}

const provision = (config: string, token: string, ...more: string[]) =>
  edgeAgent('provision', '--server', server, '--token', token, '--config', config, ...more)

beforeAll(async () => {
  const certificate = await makeCertificates()
  writeFileSync(at('sites.csv'), 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\n'
    + 'ent-1,乐平煤业,mine-a,一号井,coal-mine,涌山镇\nent-1,乐平煤业,mine-b,二号井,coal-mine,涌山镇\n')
  const imported = await node([FLEET, 'import', '--sites', at('sites.csv'), '--db', db])
  expect(imported.code, imported.stderr).toBe(0)
  const [httpPort, mqttPort] = [await freePort(), await freePort()]
  mqttsPort = await freePort()
  const { match } = await group.startReady(process.execPath, [FLEET, 'start', '--port', String(httpPort), '--mqtt-port', String(mqttPort),
    '--mqtts-port', String(mqttsPort), '--tls-cert', certificate.cert, '--tls-key', certificate.key, '--db', db],
  /^fleet server listening on (\S+) \(mqtt (\S+)\)/u, { cwd: ROOT, name: 'fleet-server', timeoutMs: 30_000 })
  server = match[1]!
  expect(server).toBe(`https://127.0.0.1:${httpPort}`)
}, 90_000)

describe('edge-agent provision against the fleet server over TLS', () => {
  const folder = at('gw-ok')
  let config = ''
  let token = ''

  it('enrols, writes the credentials (0600) and the config (comments kept, check accepts it), and the login works', async () => {
    mkdirSync(folder)
    config = draftConfig(folder, { id: 'gw-a', site: 'mine-a' })
    const draft = readFileSync(config, 'utf8')
    token = await mintToken('mine-a')
    const result = await provision(config, token, '--ca', at('fleet-ca.pem'))
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
    const credentialsFile = join(folder, 'gateway.credentials.json')
    const keyFile = join(folder, 'gateway.signing-key.pem')
    expect(result.stdout).toBe(`provisioned gateway gw-a enrolled at site mine-a: credentials written to ${credentialsFile} (mode 0600), `
      + `signing key written to ${keyFile} and registered, ${config}: uplink.url, uplink.credentialsFile, uplink.caFile set; MQTT login to mqtts://127.0.0.1:${mqttsPort} as edge-mine-a-gw-a works\n`)

    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600)
    const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { username: string; password: string }
    expect(Object.keys(credentials)).toEqual(['username', 'password'])
    expect(credentials.username).toBe('gw-a')
    expect(result.stdout).not.toContain(credentials.password)
    expect(readdirSync(folder).sort()).toEqual(['gateway.credentials.json', 'gateway.signing-key.pem', 'gateway.yaml'])
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/u)
    expect(result.stdout).not.toContain(readFileSync(keyFile, 'utf8').split('\n')[1]!)

    const written = readFileSync(config, 'utf8')
    const comments = (text: string) => text.split('\n').flatMap((line) => /#.*$/u.exec(line)?.[0] ?? [])
    expect(comments(written)).toEqual(comments(draft))
    expect(written).toContain(`gateway:\n  id: gw-a # the label on the box\n  site: mine-a\n  name: pump room\n`
      + `uplink:\n  url: mqtts://127.0.0.1:${mqttsPort}\n  credentialsFile: gateway.credentials.json\n  caFile: ${at('fleet-ca.pem')}\n`)
    expect(written.indexOf('# the RS-485 converter by the door')).toBeLessThan(written.indexOf('buses:'))
    const checked = await edgeAgent('check', '--config', config)
    expect(checked.code, checked.stderr).toBe(0)
    expect(checked.stdout).toMatch(/valid — gateway gw-a at site mine-a/u)
    expect(gatewayRow('gw-a')).toEqual({ site: 'mine-a', enrolled: 1 })

    // the credentials really are the broker's: a client of our own signs in with them
    const client = await connectAsync(`mqtts://127.0.0.1:${mqttsPort}`, { ...credentials, clientId: 'edge-mine-a-gw-a', ca: readFileSync(at('fleet-ca.pem')), reconnectPeriod: 0, connectTimeout: 5000 })
    await client.endAsync()
  }, 120_000)

  it('run again with the spent token: already provisioned, the token not asked for, nothing rewritten', async () => {
    const before = { config: readFileSync(config, 'utf8'), credentials: readFileSync(join(folder, 'gateway.credentials.json'), 'utf8') }
    const result = await provision(config, token, '--ca', at('fleet-ca.pem'))
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
    expect(result.stdout).toBe(`already provisioned: gateway gw-a of site mine-a, credentials in ${join(folder, 'gateway.credentials.json')}, `
      + `MQTT login to mqtts://127.0.0.1:${mqttsPort} works; the token was not used\n`)
    expect(readFileSync(config, 'utf8')).toBe(before.config)
    expect(readFileSync(join(folder, 'gateway.credentials.json'), 'utf8')).toBe(before.credentials)
  }, 60_000)

  it('credentials that no longer sign in are not "provisioned": the spent token is then the error, saying why the old login failed', async () => {
    const credentialsFile = join(folder, 'gateway.credentials.json')
    const good = readFileSync(credentialsFile, 'utf8')
    writeFileSync(credentialsFile, JSON.stringify({ username: 'gw-a', password: 'not-the-password' }), { mode: 0o600 })
    try {
      const configText = readFileSync(config, 'utf8')
      const result = await provision(config, token, '--ca', at('fleet-ca.pem'))
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr).toMatch(/^edge-agent: the enrolment token was refused: the enrolment token is unknown, already used or expired; .*\(the credentials the config names did not sign in: connection refused: bad user name or password.*\)\n$/u)
      expect(readFileSync(config, 'utf8')).toBe(configText)
      expect(JSON.parse(readFileSync(credentialsFile, 'utf8'))).toEqual({ username: 'gw-a', password: 'not-the-password' })
    } finally {
      writeFileSync(credentialsFile, good, { mode: 0o600 })
    }
  }, 60_000)
})

it('takes the short code a person reads off the installer\'s screen in place of the token', async () => {
  const minted = await node([FLEET, 'enroll-token', '--site', 'mine-a', '--db', db])
  expect(minted.code, minted.stderr).toBe(0)
  const shortCode = / short code (\S+) /u.exec(minted.stderr)?.[1]
  expect(shortCode, minted.stderr).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/u)
  const config = draftConfig(gatewayFolder(), { id: 'gw-typed', site: 'mine-a' })
  const result = await provision(config, shortCode!.toLowerCase(), '--ca', at('fleet-ca.pem'))
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
  expect(result.stdout).toMatch(/^provisioned gateway gw-typed enrolled at site mine-a: .* works\n$/u)
  expect(gatewayRow('gw-typed')).toEqual({ site: 'mine-a', enrolled: 1 })
}, 60_000)

describe('each bad case: one line, exit 1 or 2, nothing written here or on the server', () => {
  it('a used token (exit 2)', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-used', site: 'mine-a' })
    const token = await mintToken('mine-a')
    const spent = await provision(draftConfig(gatewayFolder(), { id: 'gw-first', site: 'mine-a' }), token, '--ca', at('fleet-ca.pem'))
    expect(spent.code, spent.stderr).toBe(0)
    const result = await provision(config, token, '--ca', at('fleet-ca.pem'))
    expectNothingWritten(result, 2, /^edge-agent: the enrolment token was refused: the enrolment token is unknown, already used or expired; ask for a new one/u, folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-used')
  }, 60_000)

  it('an expired token (exit 2)', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-late', site: 'mine-a' })
    const token = await mintToken('mine-a')
    // the shortest expiry enroll-token mints is an hour: the newest row is made to have expired
    withDatabase((d) => d.prepare('UPDATE enroll_tokens SET expires_at = ? WHERE rowid = (SELECT max(rowid) FROM enroll_tokens)').run(Date.now() - 1000))
    const result = await provision(config, token, '--ca', at('fleet-ca.pem'))
    expectNothingWritten(result, 2, /^edge-agent: the enrolment token was refused: the enrolment token is unknown, already used or expired/u, folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-late')
  }, 60_000)

  it('a token of another site than the config names (exit 2), which stays usable', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-b', site: 'mine-b' })
    const token = await mintToken('mine-a')
    const result = await provision(config, token, '--ca', at('fleet-ca.pem'))
    expectNothingWritten(result, 2, /^edge-agent: the token is for another site: the enrolment token is for site mine-a, but the gateway's config names site mine-b/u, folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-b')
    const right = await provision(draftConfig(gatewayFolder(), { id: 'gw-a2', site: 'mine-a' }), token, '--ca', at('fleet-ca.pem'))
    expect(right.code, right.stderr).toBe(0)
  }, 60_000)

  it('a server that is down (exit 1)', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-down', site: 'mine-a' })
    const token = await mintToken('mine-a')
    const down = `https://127.0.0.1:${await freePort()}`
    const result = await edgeAgent('provision', '--server', down, '--token', token, '--config', config, '--ca', at('fleet-ca.pem'))
    expectNothingWritten(result, 1, `edge-agent: cannot reach the fleet server at ${down}: ECONNREFUSED; nothing was written`, folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-down')
  }, 60_000)

  it("a CA that did not sign the server's certificate (exit 2)", async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-ca', site: 'mine-a' })
    const token = await mintToken('mine-a')
    const result = await provision(config, token, '--ca', at('other-ca.pem'))
    expectNothingWritten(result, 2, /^edge-agent: the fleet server at https:\/\/127\.0\.0\.1:\d+ is not trusted: [A-Z_]+ .*the CA given with --ca did not sign the server's certificate/u, folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-ca')
  }, 60_000)

  it('no gateway id in the config nor --gateway (exit 2)', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { site: 'mine-a' })
    const result = await provision(config, await mintToken('mine-a'), '--ca', at('fleet-ca.pem'))
    expectNothingWritten(result, 2, `edge-agent: no gateway id: ${config} has no gateway.id; give one with --gateway ID (letters, digits, - _ .)`, folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-none')
  }, 60_000)

  it('a config with a problem provisioning would not mend (exit 2, the check\'s own line)', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-typo', site: 'mine-a' })
    writeFileSync(config, readFileSync(config, 'utf8').replace(METHANE, 'ccri-gjc4-catalytic-methan'))
    const result = await provision(config, await mintToken('mine-a'), '--ca', at('fleet-ca.pem'))
    expectNothingWritten(result, 2, new RegExp(`^${config.replace(/[.]/gu, '[.]')}:11:\\d+ devices\\[0\\]\\.profile: no profile "ccri-gjc4-catalytic-methan" in the library; did you mean ${METHANE}`, 'u'), folder,
      { path: config, text: readFileSync(config, 'utf8') }, 'gw-typo')
  }, 60_000)

  it('a --ca file that is not there (exit 2)', async () => {
    const folder = gatewayFolder()
    const config = draftConfig(folder, { id: 'gw-noca', site: 'mine-a' })
    const result = await provision(config, await mintToken('mine-a'), '--ca', at('missing.pem'))
    expectNothingWritten(result, 2, /^edge-agent: --ca \S+missing\.pem: cannot read it \(ENOENT\)$/u, folder, { path: config, text: readFileSync(config, 'utf8') }, 'gw-noca')
  }, 60_000)
})
