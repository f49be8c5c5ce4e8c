import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashToken, newShortCode, newToken, shortCodeOf } from '../../../fleet-server/src/auth/tokens.ts'
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
/** a token with its short code, stored as the mint stores them */
function tokenWithCode(siteId: string, validMs = 3_600_000): { token: string; shortCode: string } {
  const token = newToken()
  const shortCode = newShortCode()
  f.store.createEnrollToken(hashToken(token), siteId, f.clock.now + validMs, undefined, hashToken(shortCodeOf(shortCode)!))
  return { token, shortCode }
}
const rows = () => f.store.db.prepare('SELECT token_hash, used_by FROM enroll_tokens ORDER BY token_hash').all()
const gatewayRows = () => f.store.db.prepare('SELECT id, site_id, password_hash FROM gateways ORDER BY id').all()
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
    const replacing = f.store.audit.list({ role: 'admin' }).find((e) => e.action === 'gateway-replace')
    expect(replacing?.detail).toEqual({ tokenId: hashToken(token).slice(0, 8), signingKeyId: null, replacedSigningKeyId: null })
  })
})

describe('POST /api/enroll with the short code (issue 16)', () => {
  it('enrols with the short code however it is typed, and the audit entry names the token\'s id', async () => {
    const { token, shortCode } = tokenWithCode('site-a2')
    const typed = ` ${shortCode.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l')} `
    const reply = await enroll({ token: typed, gatewayId: 'gw-new' })
    expect(reply.statusCode, reply.body).toBe(200)
    expect(reply.json()).toMatchObject({ username: 'gw-new', siteId: 'site-a2' })
    expect(usedBy(token)).toBe('gw-new')
    const entry = f.store.audit.list({ role: 'admin' }).find((e) => e.action === 'gateway-enrol')
    expect(entry).toMatchObject({ subject: 'gw-new', siteId: 'site-a2', detail: { tokenId: hashToken(token).slice(0, 8) } })
  })

  it('one token, two forms: using either uses the other', async () => {
    const first = tokenWithCode('site-a1')
    expect((await enroll({ token: first.shortCode, gatewayId: 'gw-1' })).statusCode).toBe(200)
    expect((await enroll({ token: first.token, gatewayId: 'gw-2' })).statusCode).toBe(410)
    const second = tokenWithCode('site-a1')
    expect((await enroll({ token: second.token, gatewayId: 'gw-3' })).statusCode).toBe(200)
    expect((await enroll({ token: second.shortCode, gatewayId: 'gw-4' })).statusCode).toBe(410)
    expect(f.store.gatewayEnrolment('gw-2')).toBeUndefined()
    expect(f.store.gatewayEnrolment('gw-4')).toBeUndefined()
  })

  it('refuses an expired or unknown short code (410)', async () => {
    const { shortCode } = tokenWithCode('site-a1', 60_000)
    f.clock.now += 60_001
    expect((await enroll({ token: shortCode, gatewayId: 'gw-1' })).statusCode).toBe(410)
    expect((await enroll({ token: newShortCode(), gatewayId: 'gw-1' })).statusCode).toBe(410)
  })
})

describe('POST /api/enroll with the site the gateway\'s config names (issue 16)', () => {
  it('enrols when the token is of that site', async () => {
    const reply = await enroll({ token: tokenFor('site-a2'), gatewayId: 'gw-new', siteId: 'site-a2' })
    expect(reply.statusCode).toBe(200)
    expect(reply.json().siteId).toBe('site-a2')
  })

  it('refuses a token of another site (409 WRONG_SITE naming both), writes nothing and leaves the token usable, by either form', async () => {
    const { token, shortCode } = tokenWithCode('site-a2')
    const tokensBefore = rows()
    const gatewaysBefore = gatewayRows()
    for (const presented of [token, shortCode]) {
      const reply = await enroll({ token: presented, gatewayId: 'gw-new', siteId: 'site-a1' })
      expect(reply.statusCode).toBe(409)
      expect(reply.json().error).toBe('WRONG_SITE')
      expect(reply.json().message).toMatch(/token is for site site-a2.*names site site-a1/u)
    }
    expect(rows()).toEqual(tokensBefore)
    expect(gatewayRows()).toEqual(gatewaysBefore)
    expect(audited()).toEqual([])
    expect((await enroll({ token: shortCode, gatewayId: 'gw-new', siteId: 'site-a2' })).statusCode).toBe(200)
  })

  it('refuses a wrong site before a gateway that has credentials, and answers an unknown token 410 whatever the site', async () => {
    await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-x' })
    const reply = await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-x', siteId: 'site-b1' })
    expect(reply.statusCode).toBe(409)
    expect(reply.json().error).toBe('WRONG_SITE')
    expect((await enroll({ token: newToken(), gatewayId: 'gw-y', siteId: 'site-b1' })).statusCode).toBe(410)
  })

  it('refuses a malformed siteId (400)', async () => {
    const reply = await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-1', siteId: '' })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().message).toMatch(/siteId/u)
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
