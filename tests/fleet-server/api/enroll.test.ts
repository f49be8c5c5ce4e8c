import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashToken, newToken } from '../../../fleet-server/src/auth/index.ts'
import { verifySecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

function tokenFor(siteId: string, validMs = 3_600_000, replaces?: string): string {
  const token = newToken()
  f.store.createEnrollToken(hashToken(token), siteId, f.clock.now + validMs, replaces)
  return token
}
const audited = () => f.store.audit.list({ role: 'admin' }).filter((e) => e.action.startsWith('gateway-')).map((e) => [e.actor, e.action, e.subject, e.siteId]).reverse()
const usedBy = (token: string) => (f.store.db.prepare('SELECT used_by FROM enroll_tokens WHERE token_hash = ?').get(hashToken(token)) as { used_by: string | null }).used_by
const enroll = (payload: object) => f.app.inject({ method: 'POST', url: '/api/enroll', payload })

describe('POST /api/enroll', () => {
  it('exchanges a token for MQTT credentials of the token\'s site, kept only as a scrypt hash', async () => {
    const reply = await enroll({ token: tokenFor('site-a2'), gatewayId: 'gw-new' })
    expect(reply.statusCode).toBe(200)
    const body = reply.json()
    expect(body).toMatchObject({ username: 'gw-new', siteId: 'site-a2', mqttUrl: 'mqtt://127.0.0.1:1883' })
    expect(body.password.length).toBeGreaterThanOrEqual(32)
    const stored = f.store.gatewayCredentials('gw-new')
    expect(stored).toMatchObject({ gatewayId: 'gw-new', siteId: 'site-a2' })
    expect(stored!.passwordHash).not.toContain(body.password)
    expect(await verifySecret(body.password, stored!.passwordHash)).toBe(true)
    expect(f.store.gatewaySite('gw-new')).toBe('site-a2')
  })

  it('accepts a token once', async () => {
    const token = tokenFor('site-a1')
    expect((await enroll({ token, gatewayId: 'gw-1' })).statusCode).toBe(200)
    const again = await enroll({ token, gatewayId: 'gw-2' })
    expect(again.statusCode).toBe(410)
    expect(again.json().error).toBe('GONE')
  })

  it('refuses an expired or unknown token (410)', async () => {
    const token = tokenFor('site-a1', 60_000)
    f.clock.now += 60_001
    expect((await enroll({ token, gatewayId: 'gw-1' })).statusCode).toBe(410)
    expect((await enroll({ token: newToken(), gatewayId: 'gw-1' })).statusCode).toBe(410)
  })

  it('refuses a gateway id of another site (409) and a malformed body (400)', async () => {
    expect((await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-b1' })).statusCode).toBe(409)
    const bad = await enroll({ token: tokenFor('site-a1'), gatewayId: 'bad/id' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/gatewayId/u)
    expect((await enroll({ gatewayId: 'gw-1' })).json().message).toMatch(/token/u)
  })
})

describe('POST /api/enroll of a gateway that has credentials (issue 15, hole 1)', () => {
  it('refuses a plain token (409) without touching the credentials or using the token up', async () => {
    const first = (await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-x' })).json()
    const token = tokenFor('site-a1')
    const again = await enroll({ token, gatewayId: 'gw-x' })
    expect(again.statusCode).toBe(409)
    expect(again.json().message).toMatch(/enroll-token --site site-a1 --replace gw-x/u)
    expect(await verifySecret(first.password, f.store.gatewayCredentials('gw-x')!.passwordHash)).toBe(true)
    expect(usedBy(token)).toBeNull()
    expect((await enroll({ token, gatewayId: 'gw-y' })).statusCode).toBe(200)
    expect(usedBy(token)).toBe('gw-y')
  })

  it('a token minted to replace the gateway replaces its credentials; for another gateway it is refused and kept', async () => {
    const first = (await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-x' })).json()
    const token = tokenFor('site-a1', 3_600_000, 'gw-x')
    const elsewhere = await enroll({ token, gatewayId: 'gw-y' })
    expect(elsewhere.statusCode).toBe(409)
    expect(elsewhere.json().message).toMatch(/replace gateway gw-x only/u)
    expect(usedBy(token)).toBeNull()
    const replaced = await enroll({ token, gatewayId: 'gw-x' })
    expect(replaced.statusCode).toBe(200)
    const stored = f.store.gatewayCredentials('gw-x')!.passwordHash
    expect(await verifySecret(first.password, stored)).toBe(false)
    expect(await verifySecret(replaced.json().password, stored)).toBe(true)
    expect(usedBy(token)).toBe('gw-x')
    expect(audited()).toEqual([['gateway:gw-x', 'gateway-enrol', 'gw-x', 'site-a1'], ['gateway:gw-x', 'gateway-replace', 'gw-x', 'site-a1']])
  })
})

describe('POST /api/gateways/{id}/revoke', () => {
  it('lets an admin revoke a gateway\'s credentials; others 403, no session 401, an unknown gateway 404', async () => {
    await enroll({ token: tokenFor('site-a2'), gatewayId: 'gw-x' })
    const revoke = async (id: string, as?: string) => f.app.inject({ method: 'POST', url: `/api/gateways/${id}/revoke`, headers: as === undefined ? {} : await f.as(as) })
    expect((await revoke('gw-x')).statusCode).toBe(401)
    for (const user of ['reg-ys', 'ent-a', 'inst']) expect((await revoke('gw-x', user)).statusCode, user).toBe(403)
    expect(f.store.gatewayCredentials('gw-x')).toBeDefined()
    const reply = await revoke('gw-x', 'admin')
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toEqual({ gatewayId: 'gw-x', revoked: true })
    expect(f.store.gatewayCredentials('gw-x')).toBeUndefined()
    expect(audited().at(-1)).toEqual(['admin', 'gateway-revoke', 'gw-x', 'site-a2'])
    expect((await revoke('gw-nobody', 'admin')).statusCode).toBe(404)
    expect((await revoke('bad%2Fid', 'admin')).statusCode).toBe(400)
  })
})
