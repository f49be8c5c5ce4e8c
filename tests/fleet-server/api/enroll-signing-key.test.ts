import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSigningKey, keyIdOf } from '../../../protocols/commissioning/index.ts'
import { hashToken, newToken } from '../../../fleet-server/src/auth/tokens.ts'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

function tokenFor(siteId: string, replaces?: string): string {
  const token = newToken()
  f.store.createEnrollToken(hashToken(token), siteId, f.clock.now + 3_600_000, replaces)
  return token
}
const enroll = (payload: object) => f.app.inject({ method: 'POST', url: '/api/enroll', payload })
const gatewayAnswer = async (id: string) => {
  const reply = await f.app.inject({ url: '/api/gateways', headers: await f.as('admin') })
  return (reply.json() as { id: string }[]).find((g) => g.id === id) as Record<string, unknown> | undefined
}
const enrolments = () => f.store.audit.list({ role: 'admin' }).filter((e) => e.action === 'gateway-enrol' || e.action === 'gateway-replace').reverse()

describe('POST /api/enroll with a signing key', () => {
  it('registers the gateway\'s public key; the gateway answers show its id only, never the key', async () => {
    const { publicKey } = generateSigningKey()
    expect((await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-new', signingKey: publicKey })).statusCode).toBe(200)
    expect(f.store.gatewaySigningKey('gw-new')).toBe(publicKey)
    const answer = await gatewayAnswer('gw-new')
    expect(answer).toMatchObject({ signingKeyId: keyIdOf(publicKey) })
    const site = await f.app.inject({ url: '/api/sites/site-a1', headers: await f.as('admin') })
    expect(site.body).toContain(keyIdOf(publicKey))
    expect(site.body).not.toContain(publicKey)
    expect(JSON.stringify(answer)).not.toContain(publicKey)
    expect(enrolments().at(-1)).toMatchObject({ action: 'gateway-enrol', subject: 'gw-new', detail: { signingKeyId: keyIdOf(publicKey) } })
  })

  it('without a key the gateway has none; enrolling again replaces the key, and the audit log names both', async () => {
    expect((await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-x' })).statusCode).toBe(200)
    expect(f.store.gatewaySigningKey('gw-x')).toBeUndefined()
    expect(await gatewayAnswer('gw-x')).not.toHaveProperty('signingKeyId')
    const first = generateSigningKey().publicKey
    expect((await enroll({ token: tokenFor('site-a1', 'gw-x'), gatewayId: 'gw-x', signingKey: first })).statusCode).toBe(200)
    const second = generateSigningKey().publicKey
    expect((await enroll({ token: tokenFor('site-a1', 'gw-x'), gatewayId: 'gw-x', signingKey: second })).statusCode).toBe(200)
    expect(f.store.gatewaySigningKey('gw-x')).toBe(second)
    expect(enrolments().map((e) => [e.action, e.detail.signingKeyId, e.detail.replacedSigningKeyId])).toEqual([
      ['gateway-enrol', null, undefined],
      ['gateway-replace', keyIdOf(first), null],
      ['gateway-replace', keyIdOf(second), keyIdOf(first)],
    ])
    // replaced without a key: the old box's key no longer verifies anything
    expect((await enroll({ token: tokenFor('site-a1', 'gw-x'), gatewayId: 'gw-x' })).statusCode).toBe(200)
    expect(f.store.gatewaySigningKey('gw-x')).toBeUndefined()
  })

  it('refuses a key that is not a base64 Ed25519 SPKI public key (400), and enrols nothing', async () => {
    const rsaLike = Buffer.alloc(44, 1).toString('base64')
    const reply = await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-bad', signingKey: rsaLike })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().message).toMatch(/signingKey/u)
    expect(f.store.gatewayEnrolment('gw-bad')).toBeUndefined()
  })
})
