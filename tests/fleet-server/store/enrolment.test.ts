import { beforeEach, describe, expect, it } from 'vitest'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { memoryStore, seedRegistry } from './fixtures.ts'

const T0 = Date.UTC(2026, 11, 1)
const credentials = (gatewayId: string, passwordHash: string, siteId = 'site-0-0') => ({ gatewayId, siteId, username: gatewayId, passwordHash })
let store: SqliteStore
let revoked: string[]

const tokenRow = (hash: string) => store.db.prepare('SELECT used_by, used_at FROM enroll_tokens WHERE token_hash = ?').get(hash)

beforeEach(() => {
  store = memoryStore({ value: T0 })
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 2, gatewaysPerSite: 0, devicesPerGateway: 0 })
  revoked = []
  store.onCredentialsRevoked((id) => revoked.push(id))
})

describe('enrolment in the store', () => {
  it('enrols once per token, writing used_by only on success; a refusal writes nothing', () => {
    store.createEnrollToken('t1', 'site-0-0', T0 + 60_000)
    expect(store.enrollGateway('t1', credentials('gw1', 'h1'), T0)).toEqual({ enrolled: true, replaced: false })
    expect(tokenRow('t1')).toEqual({ used_by: 'gw1', used_at: T0 })

    store.createEnrollToken('t2', 'site-0-0', T0 + 60_000)
    expect(store.enrollGateway('t2', credentials('gw1', 'attacker'), T0)).toEqual({ enrolled: false, refusal: { reason: 'enrolled', gatewayId: 'gw1' } })
    expect(store.gatewayCredentials('gw1')?.passwordHash).toBe('h1')
    expect(tokenRow('t2')).toEqual({ used_by: null, used_at: null })
    expect(store.enrollToken('t2', T0)).toEqual({ tokenHash: 't2', siteId: 'site-0-0' })
    expect(store.enrollGateway('t2', credentials('gw1', 'h1', 'site-0-1'), T0)).toMatchObject({ enrolled: false })
    expect(store.enrollGateway('t2', credentials('gw2', 'h2'), T0)).toEqual({ enrolled: true, replaced: false })
    expect(store.enrollGateway('t2', credentials('gw3', 'h3'), T0)).toEqual({ enrolled: false, refusal: { reason: 'token-invalid' } })
    expect(revoked).toEqual([])
  })

  it('a replacement token replaces the credentials of its gateway and tells the listeners', () => {
    store.createEnrollToken('t1', 'site-0-0', T0 + 60_000)
    store.enrollGateway('t1', credentials('gw1', 'h1'), T0)
    store.createEnrollToken('r1', 'site-0-0', T0 + 60_000, 'gw1')
    expect(store.enrollToken('r1', T0)).toEqual({ tokenHash: 'r1', siteId: 'site-0-0', replaces: 'gw1' })
    expect(store.enrollGateway('r1', credentials('gw9', 'h9'), T0)).toMatchObject({ enrolled: false, refusal: { reason: 'replaces-another' } })
    expect(store.gatewayEnrolment('gw9')).toBeUndefined()
    expect(store.enrollGateway('r1', credentials('gw1', 'h1-new'), T0 + 1)).toEqual({ enrolled: true, replaced: true })
    expect(store.gatewayCredentials('gw1')?.passwordHash).toBe('h1-new')
    expect(tokenRow('r1')).toEqual({ used_by: 'gw1', used_at: T0 + 1 })
    expect(revoked).toEqual(['gw1'])
  })

  it('finds a token by the hash of its short code too, as the token\'s; enrolling with it uses the token up', () => {
    store.createEnrollToken('t1', 'site-0-0', T0 + 60_000, undefined, 's1')
    store.createEnrollToken('t2', 'site-0-1', T0 + 60_000, undefined, 's2')
    expect(store.enrollToken('s1', T0)).toEqual({ tokenHash: 't1', siteId: 'site-0-0' })
    expect(store.enrollToken('t1', T0)).toEqual({ tokenHash: 't1', siteId: 'site-0-0' })
    expect(store.enrollToken('s2', T0)).toEqual({ tokenHash: 't2', siteId: 'site-0-1' })
    expect(store.enrollGateway(store.enrollToken('s1', T0)!.tokenHash, credentials('gw1', 'h1'), T0)).toEqual({ enrolled: true, replaced: false })
    expect(store.enrollToken('s1', T0)).toBeUndefined()
    expect(store.enrollToken('t1', T0)).toBeUndefined()
    expect(store.enrollToken('s2', T0 + 60_000)).toBeUndefined()
    expect(() => store.createEnrollToken('t3', 'site-0-0', T0 + 60_000, undefined, 's2')).toThrow(/UNIQUE/u)
  })

  it('an expired token enrols nothing', () => {
    store.createEnrollToken('t1', 'site-0-0', T0 + 60_000)
    expect(store.enrollGateway('t1', credentials('gw1', 'h1'), T0 + 60_000)).toEqual({ enrolled: false, refusal: { reason: 'token-invalid' } })
    expect(store.gatewayEnrolment('gw1')).toBeUndefined()
  })

  it('revokes credentials: nobody signs in with them, the gateway stays listed as not enrolled, the listeners are told', () => {
    store.createEnrollToken('t1', 'site-0-0', T0 + 60_000)
    store.enrollGateway('t1', credentials('gw1', 'h1'), T0)
    expect(store.revokeGatewayCredentials('gw1')).toBe(true)
    expect(store.gatewayCredentials('gw1')).toBeUndefined()
    expect(store.gatewayEnrolment('gw1')).toEqual({ siteId: 'site-0-0', enrolled: false })
    expect(store.listGateways({ role: 'admin' }).find((g) => g.id === 'gw1')?.enrolled).toBe(false)
    expect(store.revokeGatewayCredentials('gw-nobody')).toBe(false)
    expect(revoked).toEqual(['gw1'])
    // without credentials, a plain token of its site enrols it again
    store.createEnrollToken('t2', 'site-0-0', T0 + 60_000)
    expect(store.enrollGateway('t2', credentials('gw1', 'h1-again'), T0)).toEqual({ enrolled: true, replaced: false })
  })
})
