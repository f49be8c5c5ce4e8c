/**
 * `edge-agent provision` when the enrolment succeeds but the broker refuses the login: the fleet
 * server runs with an external mosquitto (`--mqtt`) that does not know the gateway yet. The token is
 * spent and the server will not hand the password out again, so the credentials and the config are
 * kept, and the line says so (exit 1). Once the broker knows the login, a rerun with the same token
 * says "already provisioned".
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { MOSQUITTO_PASSWD, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { ProcessGroup, run } from '../../support/processes.ts'
import { tempDir } from '../../support/gateway-config.ts'
import { CLI, ROOT } from '../../support/store-forward.ts'

const FLEET = join(ROOT, 'fleet-server/bin/fleet-server.js')
const SERVER_USER = 'fleet-server'
const SERVER_PASSWORD = 'broker-password-of-the-server'

const group = new ProcessGroup()
const dir = tempDir('provision-broker')
const at = (name: string) => join(dir.path, name)
let broker: Mosquitto | undefined
afterAll(async () => {
  await group.stopAll()
  await broker?.dispose()
  dir.remove()
}, 30_000)

const node = (args: string[]) => run(process.execPath, args, { cwd: ROOT, timeoutMs: 60_000 })

it('a broker refusing the new login: exit 1 saying the credentials are kept; once it knows them, "already provisioned"', async () => {
  broker = await startMosquitto({ users: { [SERVER_USER]: SERVER_PASSWORD } })
  const db = at('fleet.sqlite')
  writeFileSync(at('sites.csv'), 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction\nent-1,乐平煤业,mine-a,一号井,coal-mine,涌山镇\n')
  expect((await node([FLEET, 'import', '--sites', at('sites.csv'), '--db', db])).code).toBe(0)
  writeFileSync(at('broker-login.json'), JSON.stringify({ username: SERVER_USER, password: SERVER_PASSWORD }), { mode: 0o600 })
  const { match } = await group.startReady(process.execPath, [FLEET, 'start', '--port', '0', '--db', db, '--mqtt', broker.url, '--mqtt-credentials', at('broker-login.json')],
    /^fleet server listening on (\S+) /u, { cwd: ROOT, name: 'fleet-server', timeoutMs: 30_000 })
  const server = match[1]!
  const minted = await node([FLEET, 'enroll-token', '--site', 'mine-a', '--db', db])
  expect(minted.code, minted.stderr).toBe(0)
  const token = minted.stdout.trim()

  const config = at('gateway.yaml')
  writeFileSync(config, [
    '# no gateway id yet: --gateway gives it',
    'gateway: { site: mine-a }',
    'buses: [{ id: tcp-a, type: tcp, host: 127.0.0.1, port: 5020 }]',
    'devices: [{ id: ch4-1, bus: tcp-a, unit: 1, profile: ccri-gjc4-catalytic-methane }]',
    '',
  ].join('\n'))
  const provision = () => node([CLI, 'provision', '--server', server, '--token', token, '--config', config, '--gateway', 'gw-ext'])

  const first = await provision()
  const credentialsFile = at('gateway.credentials.json')
  expect({ code: first.code, stdout: first.stdout }).toEqual({ code: 1, stdout: '' })
  expect(first.stderr).toBe(`edge-agent: gateway gw-ext enrolled at site mine-a: credentials written to ${credentialsFile} (mode 0600), `
    + `signing key written to ${at('gateway.signing-key.pem')} and registered, ${config}: gateway.id, uplink.url, uplink.credentialsFile set; but the MQTT login to ${broker.url} as edge-mine-a-gw-ext failed: `
    + 'connection refused: bad user name or password, or not authorized (reason 5). The credentials are kept (the token is spent); '
    + 'once the broker accepts it, edge-agent provision run again says "already provisioned"\n')
  expect(statSync(credentialsFile).mode & 0o777).toBe(0o600)
  const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { username: string; password: string }
  expect(credentials.username).toBe('gw-ext')
  const written = readFileSync(config, 'utf8')
  expect(written).toBe([
    '# no gateway id yet: --gateway gives it',
    'gateway: { site: mine-a, id: gw-ext }',
    'uplink:',
    `  url: ${broker.url}`,
    '  credentialsFile: gateway.credentials.json',
    'buses: [ { id: tcp-a, type: tcp, host: 127.0.0.1, port: 5020 } ]',
    'devices: [ { id: ch4-1, bus: tcp-a, unit: 1, profile: ccri-gjc4-catalytic-methane } ]',
    '',
  ].join('\n'))

  // the broker's operator adds the gateway's login
  const added = await run(MOSQUITTO_PASSWD, ['-b', join(broker.dir, 'passwd'), credentials.username, credentials.password], { timeoutMs: 10_000 })
  expect(added.code, added.stderr).toBe(0)
  await broker.restart()
  const again = await provision()
  expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' })
  expect(again.stdout).toBe(`already provisioned: gateway gw-ext of site mine-a, credentials in ${credentialsFile}, MQTT login to ${broker.url} works; the token was not used\n`)
  expect(readFileSync(config, 'utf8')).toBe(written)
}, 120_000)
