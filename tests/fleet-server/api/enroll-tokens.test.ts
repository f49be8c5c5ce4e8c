import QRCode from 'qrcode'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashToken } from '../../../fleet-server/src/auth/tokens.ts'
import { ENROLL_TOKEN_HOURS, MAX_ENROLL_TOKEN_HOURS } from '../../../fleet-server/src/defaults.ts'
import { fixture, NOW, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

const HOUR_MS = 3_600_000
interface Minted { token: string; shortCode: string; tokenId: string; expiresAt: string; siteId: string; replaces?: string; provisionCommand: string; qrSvg: string }

async function mint(siteId: string, as: string | undefined, payload: object = {}, headers: Record<string, string> = {}) {
  return f.app.inject({ method: 'POST', url: `/api/sites/${siteId}/enroll-tokens`, payload, headers: { ...headers, ...(as === undefined ? {} : await f.as(as)) } })
}
const enroll = (payload: object) => f.app.inject({ method: 'POST', url: '/api/enroll', payload })
const tokenRows = () => f.store.db.prepare('SELECT * FROM enroll_tokens').all() as Array<Record<string, unknown>>
const mints = () => f.store.audit.list({ role: 'admin' }).filter((e) => e.action === 'enroll-token-mint')

describe('POST /api/sites/{id}/enroll-tokens', () => {
  it('an installer of the site mints a one-time token valid 24 h, with its short code, the provision command and its QR code', async () => {
    const reply = await mint('site-a2', 'inst', {}, { host: 'fleet.example:8443' })
    expect(reply.statusCode, reply.body).toBe(201)
    const body = reply.json<Minted>()
    expect(body.siteId).toBe('site-a2')
    expect(body.replaces).toBeUndefined()
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/u)
    expect(body.shortCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/u)
    expect(body.expiresAt).toBe(new Date(NOW + ENROLL_TOKEN_HOURS * HOUR_MS).toISOString())
    expect(body.tokenId).toBe(hashToken(body.token).slice(0, 8))
    expect(body.provisionCommand).toBe(`edge-agent provision --server http://fleet.example:8443 --token ${body.token} --config /etc/edge-agent/gateway.yaml`)
    expect(body.qrSvg).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"/u)
    // the same symbol the library draws for the command: the phone scans the command
    expect(body.qrSvg).toBe(await QRCode.toString(body.provisionCommand, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }))
    expect(body.qrSvg).not.toBe(await QRCode.toString('something else', { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }))
  })

  it('names the server by start --public-url, when given, instead of the address the dashboard was opened at', async () => {
    const behindProxy = await fixture({ publicUrl: 'https://fleet.example.org' })
    try {
      const reply = await behindProxy.app.inject({ method: 'POST', url: '/api/sites/site-a2/enroll-tokens', payload: {}, headers: { host: '127.0.0.1:8080', ...(await behindProxy.as('inst')) } })
      expect(reply.statusCode, reply.body).toBe(201)
      expect(reply.json<Minted>().provisionCommand).toMatch(/^edge-agent provision --server https:\/\/fleet\.example\.org --token /u)
    } finally {
      await behindProxy.app.close()
    }
  })

  it('keeps only hashes: neither the token nor its short code is in the database or the audit log', async () => {
    const body = (await mint('site-a2', 'inst')).json<Minted>()
    const stored = JSON.stringify(tokenRows()) + JSON.stringify(f.store.audit.list({ role: 'admin' }))
    expect(stored).not.toContain(body.token)
    expect(stored).not.toContain(body.shortCode)
    expect(stored).not.toContain(body.shortCode.replaceAll('-', ''))
    expect(tokenRows()).toEqual([expect.objectContaining({ token_hash: hashToken(body.token), site_id: 'site-a2', expires_at: NOW + 24 * HOUR_MS, used_by: null })])
  })

  it('records the mint in the audit log: actor, site, the token\'s id, expiry and what it replaces', async () => {
    const plain = (await mint('site-a2', 'inst')).json<Minted>()
    const replacing = (await mint('site-a1', 'admin', { hours: 2, replace: 'gw-a1' })).json<Minted>()
    expect(mints().reverse().map((e) => [e.actor, e.siteId, e.subject, e.detail])).toEqual([
      ['inst', 'site-a2', plain.tokenId, { expiresAt: plain.expiresAt, replaces: null }],
      ['admin', 'site-a1', replacing.tokenId, { expiresAt: new Date(NOW + 2 * HOUR_MS).toISOString(), replaces: 'gw-a1' }],
    ])
  })

  it('the token enrols once, whole or by its short code; the enrolment names the same token id', async () => {
    const first = (await mint('site-a2', 'inst')).json<Minted>()
    expect((await enroll({ token: first.shortCode.toLowerCase(), gatewayId: 'gw-new', siteId: 'site-a2' })).statusCode).toBe(200)
    expect((await enroll({ token: first.token, gatewayId: 'gw-other' })).statusCode).toBe(410)
    const enrolment = f.store.audit.list({ role: 'admin' }).find((e) => e.action === 'gateway-enrol')
    expect(enrolment).toMatchObject({ subject: 'gw-new', siteId: 'site-a2', detail: { tokenId: first.tokenId } })
    const second = (await mint('site-a2', 'inst')).json<Minted>()
    expect((await enroll({ token: second.token, gatewayId: 'gw-second' })).statusCode).toBe(200)
    expect((await enroll({ token: second.shortCode, gatewayId: 'gw-third' })).statusCode).toBe(410)
  })

  it('expires after `hours`', async () => {
    const body = (await mint('site-a2', 'inst', { hours: 1 })).json<Minted>()
    expect(body.expiresAt).toBe(new Date(NOW + HOUR_MS).toISOString())
    f.clock.now = NOW + HOUR_MS
    expect((await enroll({ token: body.shortCode, gatewayId: 'gw-late' })).statusCode).toBe(410)
  })

  it('refuses hours out of 1..MAX_ENROLL_TOKEN_HOURS or not whole (400), writing nothing', async () => {
    for (const hours of [0, MAX_ENROLL_TOKEN_HOURS + 1, 1.5, 'many']) {
      const reply = await mint('site-a2', 'inst', { hours })
      expect(reply.statusCode, String(hours)).toBe(400)
      expect(reply.json().message).toMatch(/hours/u)
    }
    expect((await mint('site-a2', 'inst', { hours: MAX_ENROLL_TOKEN_HOURS })).statusCode).toBe(201)
    expect(tokenRows()).toHaveLength(1)
  })

  it('with replace: a gateway of the site; the token enrols only that gateway and replaces its credentials', async () => {
    const first = (await mint('site-a2', 'inst')).json<Minted>()
    expect((await enroll({ token: first.token, gatewayId: 'gw-a2' })).statusCode).toBe(200)
    const reply = await mint('site-a2', 'inst', { replace: 'gw-a2' })
    expect(reply.statusCode).toBe(201)
    const body = reply.json<Minted>()
    expect(body.replaces).toBe('gw-a2')
    expect((await enroll({ token: body.token, gatewayId: 'gw-elsewhere' })).statusCode).toBe(409)
    expect((await enroll({ token: body.shortCode, gatewayId: 'gw-a2' })).statusCode).toBe(200)
    expect(f.store.audit.list({ role: 'admin' })[0]).toMatchObject({ action: 'gateway-replace', subject: 'gw-a2', detail: { tokenId: body.tokenId } })
  })

  it('refuses replace of a gateway of another site or of none alike (400), without naming the other site, writing nothing', async () => {
    const other = await mint('site-a2', 'inst', { replace: 'gw-b1' })
    const none = await mint('site-a2', 'inst', { replace: 'gw-nobody' })
    expect([other.statusCode, none.statusCode]).toEqual([400, 400])
    expect(other.json().message).toBe('body/replace: no gateway gw-b1 on this site; name a gateway of the site whose credentials the token replaces')
    expect(none.json().message).toBe('body/replace: no gateway gw-nobody on this site; name a gateway of the site whose credentials the token replaces')
    expect(tokenRows()).toEqual([])
    expect(mints()).toEqual([])
  })

  it('a site not assigned to the installer answers as one that does not exist (404), as GET /api/sites/{id} does', async () => {
    const unassigned = await mint('site-a1', 'inst')
    const missing = await mint('site-nowhere', 'inst')
    expect(unassigned.statusCode).toBe(404)
    expect(unassigned.json()).toEqual({ error: 'NOT_FOUND', message: 'site site-a1 not found' })
    expect(missing.json()).toEqual({ error: 'NOT_FOUND', message: 'site site-nowhere not found' })
    expect((await f.app.inject({ method: 'GET', url: '/api/sites/site-a1', headers: await f.as('inst') })).json()).toEqual(unassigned.json())
    expect((await mint('site-nowhere', 'admin')).statusCode).toBe(404)
    expect(tokenRows()).toEqual([])
  })

  it('other roles 403, no session 401; an admin mints for any site', async () => {
    for (const user of ['reg-ys', 'ent-a']) {
      const reply = await mint('site-a1', user)
      expect(reply.statusCode, user).toBe(403)
      expect(reply.json().message).toMatch(/may not mint enrolment tokens/u)
    }
    expect((await mint('site-a2', undefined)).statusCode).toBe(401)
    expect(tokenRows()).toEqual([])
    expect((await mint('site-b1', 'admin')).statusCode).toBe(201)
  })
})
