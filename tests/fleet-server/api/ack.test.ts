import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

describe('POST /api/alarms/{id}/ack', () => {
  it('sends ack-alarm to the alarm\'s gateway with the user as `by`, answers the command (202)', async () => {
    const headers = await f.as('ent-a')
    const reply = await f.app.inject({ method: 'POST', url: `/api/alarms/${f.alarmId('gw-a1')}/ack`, headers })
    expect(reply.statusCode).toBe(202)
    expect(f.sent).toEqual([{ gatewayId: 'gw-a1', name: 'ack-alarm', args: { device: 'ch4-1', channel: 'ch4', kind: 'level', by: 'ent-a' }, by: 'ent-a' }])
    const command = reply.json()
    expect(command).toMatchObject({ gatewayId: 'gw-a1', name: 'ack-alarm', by: 'ent-a' })
    expect(command.result).toBeUndefined()

    f.store.recordCommandResult('gw-a1', command.id, { ok: true, message: 'acknowledged 1 alarm', at: f.clock.now + 500 })
    const result = await f.app.inject({ url: `/api/commands/${command.id}`, headers })
    expect(result.statusCode).toBe(200)
    expect(result.json().result).toEqual({ ok: true, message: 'acknowledged 1 alarm', at: f.clock.now + 500 })
  })

  it('lets an admin acknowledge any alarm', async () => {
    const reply = await f.app.inject({ method: 'POST', url: `/api/alarms/${f.alarmId('gw-b1')}/ack`, headers: await f.as('admin') })
    expect(reply.statusCode).toBe(202)
    expect(f.sent[0]).toMatchObject({ gatewayId: 'gw-b1', by: 'admin' })
  })

  it('hides a command of another enterprise (404) and answers 404 for unknown alarms and commands', async () => {
    const sent = await f.app.inject({ method: 'POST', url: `/api/alarms/${f.alarmId('gw-b1')}/ack`, headers: await f.as('ent-b') })
    const other = await f.app.inject({ url: `/api/commands/${sent.json().id}`, headers: await f.as('ent-a') })
    expect(other.statusCode).toBe(404)
    expect((await f.app.inject({ method: 'POST', url: '/api/alarms/99999/ack', headers: await f.as('admin') })).statusCode).toBe(404)
    expect((await f.app.inject({ url: '/api/commands/nope', headers: await f.as('admin') })).statusCode).toBe(404)
  })

  it('answers 503 when the command cannot be sent, without internals', async () => {
    const failing = await fixture({ sendError: new Error('broker socket ECONNREFUSED 10.0.0.1') })
    try {
      const reply = await failing.app.inject({ method: 'POST', url: `/api/alarms/${failing.alarmId('gw-a1')}/ack`, headers: await failing.as('ent-a') })
      expect(reply.statusCode).toBe(503)
      expect(reply.json().error).toBe('UNAVAILABLE')
      expect(reply.body).not.toContain('ECONNREFUSED')
    } finally {
      await failing.close()
    }
  })
})
