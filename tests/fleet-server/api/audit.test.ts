import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../../fleet-server/src/model/index.ts'
import { fixture, type Fixture } from './fixture.ts'

// GET /api/audit: admins read every entry, a regulator those about its township's sites, nobody else any.

let f: Fixture
beforeEach(async () => {
  f = await fixture()
  for (const siteId of ['site-a1', 'site-a2', 'site-b1', undefined]) {
    f.store.audit.record({ actor: 'someone', action: 'gateway-enrol', ...(siteId && { siteId }), subject: `gw of ${siteId ?? 'no site'}`, detail: {} })
  }
})
afterEach(() => f.close())

const entries = async (user: string, query = '') => {
  const reply = await f.app.inject({ url: `/api/audit${query}`, headers: await f.as(user) })
  return { status: reply.statusCode, entries: reply.statusCode === 200 ? reply.json<{ entries: AuditEntry[] }>().entries : [] }
}

describe('GET /api/audit', () => {
  it('an admin reads every entry, newest first, page by page', async () => {
    const all = await entries('admin')
    expect(all.status).toBe(200)
    const enrolments = all.entries.filter((e) => e.action === 'gateway-enrol')
    expect(enrolments.map((e) => e.siteId)).toEqual([undefined, 'site-b1', 'site-a2', 'site-a1'])
    const seqs = all.entries.map((e) => e.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a))
    const page = await entries('admin', `?limit=2&before=${seqs[0]}`)
    expect(page.entries.map((e) => e.seq)).toEqual(seqs.slice(1, 3))
  })

  it('a regulator of 涌山镇 reads the entries of its sites only', async () => {
    const { status, entries: seen } = await entries('reg-ys')
    expect(status).toBe(200)
    expect(new Set(seen.map((e) => e.siteId))).toEqual(new Set(['site-a1', 'site-b1']))
  })

  it('an enterprise and an installer may not read it; without a session 401', async () => {
    expect((await entries('ent-a')).status).toBe(403)
    expect((await entries('inst')).status).toBe(403)
    expect((await f.app.inject('/api/audit')).statusCode).toBe(401)
  })
})

describe('what the audit log records', () => {
  it('a login and a failed login, with the address they came from', async () => {
    await f.as('ent-a')
    await f.app.inject({ method: 'POST', url: '/api/login', payload: { name: 'ent-a', password: 'not the password' } })
    const logins = f.store.audit.list({ role: 'admin' }).filter((e) => e.action === 'login' || e.action === 'login-failed')
    expect(logins).toMatchObject([
      { action: 'login-failed', actor: 'anonymous', subject: 'ent-a', detail: { address: '127.0.0.1' } },
      { action: 'login', actor: 'ent-a', subject: 'ent-a', detail: { address: '127.0.0.1' } },
    ])
  })

  it('an acknowledgement with the command it sent, and the gateway\'s first answer to that command only', async () => {
    const alarmId = f.alarmId('gw-a1')
    const reply = await f.app.inject({ method: 'POST', url: `/api/alarms/${alarmId}/ack`, headers: await f.as('ent-a') })
    expect(reply.statusCode).toBe(202)
    const command = reply.json<{ id: string }>().id
    f.store.storeCommandResult('gw-a1', command, { ok: true, at: f.clock.now }, f.clock.now)
    f.store.storeCommandResult('gw-a1', command, { ok: false, message: 'again', at: f.clock.now }, f.clock.now)
    const entries = f.store.audit.list({ role: 'admin' }).filter((e) => e.action === 'alarm-ack' || e.action === 'command-result')
    expect(entries).toMatchObject([
      { action: 'command-result', actor: 'gateway:gw-a1', siteId: 'site-a1', subject: command, detail: { ok: true } },
      { action: 'alarm-ack', actor: 'ent-a', siteId: 'site-a1', subject: `alarm ${alarmId}`, detail: { command, gatewayId: 'gw-a1' } },
    ])
    expect(f.store.audit.list({ role: 'regulator', jurisdiction: '涌山镇' }).some((e) => e.action === 'alarm-ack')).toBe(true)
  })
})
