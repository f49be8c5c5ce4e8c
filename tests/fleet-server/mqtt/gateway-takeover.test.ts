import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken, newToken } from '../../../fleet-server/src/auth/tokens.ts'
import { hashSecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { startFleetServer, type FleetServer } from '../../../fleet-server/src/server.ts'
import { until } from '../../support/until.ts'
import { seedRegistry, topic } from '../store/fixtures.ts'
import { attempt, session, stillConnected, type Session } from './sessions.ts'

// Hole 1 of issue 15 (gateway takeover by re-enrolment), and rotation and revocation, against the
// real server (HTTP, embedded broker, ingest) and its CLI on the same database.

const BIN = fileURLToPath(new URL('../../../fleet-server/bin/fleet-server.js', import.meta.url))
const SITE = 'site-0-0'
const OTHER_SITE = 'site-0-1'
let dir: string
let db: string
let server: FleetServer
let adminToken: string
const sessions: Session[] = []

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function mintToken(args: string[]): Promise<string> {
  const result = await cli(['enroll-token', ...args])
  if (result.code !== 0) throw new Error(`enroll-token ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return result.stdout.trim()
}

function plainToken(siteId: string): string {
  const token = newToken()
  server.store.createEnrollToken(hashToken(token), siteId, Date.now() + 3_600_000)
  return token
}

async function enroll(token: string, gatewayId: string): Promise<{ status: number; body: Record<string, string> }> {
  const reply = await fetch(`${server.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, gatewayId }) })
  return { status: reply.status, body: await reply.json() as Record<string, string> }
}

async function connectGateway(siteId: string, gatewayId: string, password: string): Promise<Session> {
  const s = await session(server.mqttUrl, { username: gatewayId, password, clientId: `edge-${siteId}-${gatewayId}` })
  sessions.push(s)
  return s
}

const refusal = async (gatewayId: string, password: string, siteId = SITE) =>
  (await attempt(server.mqttUrl, { username: gatewayId, password, clientId: `edge-${siteId}-${gatewayId}` })).refused

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-takeover-'))
  db = join(dir, 'fleet.sqlite')
  server = await startFleetServer({ port: 0, mqttPort: 0, dbPath: db })
  seedRegistry(server.store, { enterprises: 1, sitesPerEnterprise: 2, gatewaysPerSite: 0, devicesPerGateway: 0 })
  server.store.addUser({ name: 'root', role: 'admin', passwordHash: await hashSecret('admin password') })
  const login = await fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'root', password: 'admin password' }) })
  adminToken = ((await login.json()) as { token: string }).token
})

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.client.endAsync(true)))
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('re-enrolment of an enrolled gateway (issue 15, hole 1)', () => {
  it('refuses a plain token for a gateway that has credentials (409), keeps its credentials and session, and does not use the token up', async () => {
    const first = await enroll(plainToken(SITE), 'gw1')
    expect(first.status).toBe(200)
    const original = await connectGateway(SITE, 'gw1', first.body.password!)

    const token = await mintToken(['--site', SITE])
    const attack = await enroll(token, 'gw1')
    expect(attack.status).toBe(409)
    expect(attack.body.error).toBe('CONFLICT')
    expect(attack.body.message).toMatch(/--replace gw1/u)
    expect(attack.body).not.toHaveProperty('password')

    expect(await stillConnected(original, topic(SITE, 'gw1', 'status'))).toBe(true)
    const again = await connectGateway(SITE, 'gw1', first.body.password!)
    await again.client.endAsync()

    // the refused attempt did not use the token up: it still enrols a gateway id without credentials
    const fresh = await enroll(token, 'gw-fresh')
    expect(fresh.status).toBe(200)
    expect(fresh.body.username).toBe('gw-fresh')
  })

  it('a token minted with --replace takes the gateway over: the old session is closed at once and the old password refused', async () => {
    const first = await enroll(plainToken(SITE), 'gw2')
    const original = await connectGateway(SITE, 'gw2', first.body.password!)

    // a replacement token replaces only its gateway: used for another one, it is refused and not used up
    const replacement = await mintToken(['--site', SITE, '--replace', 'gw2'])
    const elsewhere = await enroll(replacement, 'gw-other')
    expect(elsewhere.status).toBe(409)
    expect(elsewhere.body.message).toMatch(/gw2/u)

    const replaced = await enroll(replacement, 'gw2')
    expect(replaced.status).toBe(200)
    await original.closed
    expect(await refusal('gw2', first.body.password!)).toBe(4)
    const successor = await connectGateway(SITE, 'gw2', replaced.body.password!)
    expect(await stillConnected(successor, topic(SITE, 'gw2', 'status'))).toBe(true)
    expect((await enroll(replacement, 'gw2')).status).toBe(410)
  })

  it('enroll-token --replace refuses a gateway that does not exist or is of another site, with a clear message', async () => {
    const unknown = await cli(['enroll-token', '--site', SITE, '--replace', 'gw-nobody'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toMatch(/--replace gw-nobody: no such gateway/u)
    expect(unknown.stderr).not.toMatch(/\n\s+at /u)
    const first = await enroll(plainToken(OTHER_SITE), 'gw-b')
    expect(first.status).toBe(200)
    const wrongSite = await cli(['enroll-token', '--site', SITE, '--replace', 'gw-b'])
    expect(wrongSite.code).not.toBe(0)
    expect(wrongSite.stderr).toMatch(/gw-b belongs to site site-0-1/u)
  })
})

describe('revocation', () => {
  it('POST /api/gateways/{id}/revoke (admin) closes the session at once and refuses the credentials', async () => {
    const first = await enroll(plainToken(SITE), 'gw3')
    const live = await connectGateway(SITE, 'gw3', first.body.password!)
    const reply = await fetch(`${server.url}/api/gateways/gw3/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } })
    expect(reply.status).toBe(200)
    expect(await reply.json()).toEqual({ gatewayId: 'gw3', revoked: true })
    await live.closed
    expect(await refusal('gw3', first.body.password!)).toBe(4)
    // revoked, it has no credentials: a new token of its site enrols it again
    expect((await enroll(plainToken(SITE), 'gw3')).status).toBe(200)
  })

  it('fleet-server gateway revoke refuses the credentials at the running server\'s next CONNECT and closes its session', async () => {
    const first = await enroll(plainToken(SITE), 'gw4')
    const live = await connectGateway(SITE, 'gw4', first.body.password!)
    const result = await cli(['gateway', 'revoke', 'gw4'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/gateway gw4: credentials revoked/u)
    expect(server.store.audit.list({ role: 'admin' }).find((e) => e.action === 'gateway-revoke' && e.subject === 'gw4')?.actor).toMatch(/^cli:/u)
    expect(await refusal('gw4', first.body.password!)).toBe(4)
    await until('the revoked gateway\'s session to close', () => live.closes() > 0)
    const unknown = await cli(['gateway', 'revoke', 'gw-nobody'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toMatch(/gw-nobody: no such gateway/u)
  })
})
