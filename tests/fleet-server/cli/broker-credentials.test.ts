import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../../fleet-server/src/auth/tokens.ts'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { explained, valueOf } from '../../support/until.ts'

/**
 * Hole 3 of issue 15: `fleet-server start --mqtt 'mqtt://fleet-server:S3cretBrokerPw@…'` showed the
 * broker password to anyone on GET /api/health and handed it to every enrolling gateway as mqttUrl.
 * The server's broker login comes from a file (mode 0600) and never appears in an answer or a log line.
 */
const BIN = fileURLToPath(new URL('../../../fleet-server/bin/fleet-server.js', import.meta.url))
const USER = 'fleet-server'
const SECRET = 'S3cretBrokerPw'
const dir = mkdtempSync(join(tmpdir(), 'fleet-broker-credentials-'))
let broker: Mosquitto

beforeAll(async () => {
  broker = await startMosquitto({ users: { [USER]: SECRET } })
})
afterAll(async () => {
  await broker?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

/** A fresh database with one site and an enrolment token for it. */
function databaseWithToken(name: string): { dbPath: string; token: string } {
  const dbPath = join(dir, name, 'fleet.sqlite')
  const token = `enrolment-token-for-${name}`
  mkdirSync(join(dir, name))
  const store = openSqliteStore(dbPath)
  store.upsertEnterprise({ id: 'ent-1', name: 'Enterprise' })
  store.upsertSite({ id: 'site-1', enterpriseId: 'ent-1', name: 'Site', type: 'coal-mine', jurisdiction: 'Town' })
  store.createEnrollToken(hashToken(token), 'site-1', Date.now() + 3_600_000)
  store.close()
  return { dbPath, token }
}

interface Run {
  stdout: string
  stderr: string
  exit: Promise<number | null>
  stop(): Promise<number | null>
}

function startServer(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'debug' } })
  const run: Run = {
    stdout: '', stderr: '',
    exit: new Promise((resolve) => child.on('close', resolve)),
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT')
      return run.exit
    },
  }
  child.stdout.on('data', (chunk: Buffer) => { run.stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { run.stderr += chunk.toString() })
  return run
}

async function listeningUrl(run: Run): Promise<string> {
  const match = await explained(valueOf('the server to print where it listens', () => /listening on (http\S+)/u.exec(run.stdout) ?? undefined, { timeoutMs: 30_000 }), () => `stdout: ${run.stdout}\nstderr: ${run.stderr}`)
  return match[1]!
}

describe('the broker credentials of the fleet server (issue 15, hole 3)', () => {
  it('a password in the --mqtt URL never reaches GET /api/health, an enrolling gateway or the log', async () => {
    const { dbPath, token } = databaseWithToken('in-url')
    const run = startServer(['--db', dbPath, '--mqtt', `mqtt://${USER}:${SECRET}@127.0.0.1:${broker.port}`])
    try {
      // refused at the start (exit 2), or started: either way the password must not come out
      const outcome = await Promise.race([run.exit.then((code) => ({ code })), listeningUrl(run).then((url) => ({ url }))])
      if ('url' in outcome) {
        const health = await (await fetch(`${outcome.url}/api/health`)).text()
        expect(health).not.toContain(SECRET)
        const enrolled = await fetch(`${outcome.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, gatewayId: 'gw-1' }) })
        const answer = await enrolled.text()
        expect(enrolled.status, answer).toBe(200)
        expect(answer).not.toContain(SECRET)
      } else {
        expect(outcome.code).toBe(2)
        expect(run.stderr).toMatch(/--mqtt-credentials/u)
      }
    } finally {
      await run.stop()
    }
    expect(run.stdout).not.toContain(SECRET)
    expect(run.stderr).not.toContain(SECRET)
  })

  it('--mqtt-credentials FILE (mode 0600) logs in to the broker; health and enrolment show the URL without it', async () => {
    const { dbPath, token } = databaseWithToken('file')
    const file = join(dir, 'broker-login.json')
    writeFileSync(file, JSON.stringify({ username: USER, password: SECRET }), { mode: 0o600 })
    const run = startServer(['--db', dbPath, '--mqtt', `mqtt://127.0.0.1:${broker.port}`, '--mqtt-credentials', file])
    try {
      const url = await listeningUrl(run)
      const health = await (await fetch(`${url}/api/health`)).json() as { mqtt: { connected: boolean; url: string } }
      expect(health.mqtt).toEqual({ connected: true, url: `mqtt://127.0.0.1:${broker.port}` })
      const enrolled = await fetch(`${url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, gatewayId: 'gw-1' }) })
      const answer = await enrolled.json() as { mqttUrl: string }
      expect(enrolled.status, JSON.stringify(answer)).toBe(200)
      expect(answer.mqttUrl).toBe(`mqtt://127.0.0.1:${broker.port}`)
    } finally {
      expect(await run.stop()).toBe(0)
    }
    expect(run.stdout + run.stderr).not.toContain(SECRET)
  })

  it('refuses a credentials file that group or others can read: exit 2, the fix named, no password, no stack', async () => {
    const { dbPath } = databaseWithToken('insecure')
    const file = join(dir, 'open-login.json')
    writeFileSync(file, JSON.stringify({ username: USER, password: SECRET }))
    chmodSync(file, 0o644)
    const run = startServer(['--db', dbPath, '--mqtt', `mqtt://127.0.0.1:${broker.port}`, '--mqtt-credentials', file])
    expect(await run.exit).toBe(2)
    expect(run.stderr).toContain(`--mqtt-credentials: credentials file ${file} has mode 0644`)
    expect(run.stderr).toContain(`chmod 600 ${file}`)
    expect(run.stderr).not.toMatch(/\n\s+at /u)
    expect(run.stdout + run.stderr).not.toContain(SECRET)
  })

  it('refuses --mqtt-credentials with the embedded broker (it has its own login): exit 2', async () => {
    const { dbPath } = databaseWithToken('no-external')
    const file = join(dir, 'unused-login.json')
    writeFileSync(file, JSON.stringify({ username: USER, password: SECRET }), { mode: 0o600 })
    const run = startServer(['--db', dbPath, '--mqtt-port', '0', '--mqtt-credentials', file])
    expect(await run.exit).toBe(2)
    expect(run.stderr).toContain('--mqtt-credentials needs --mqtt')
  })
})
