import type { Client } from 'aedes'
import { describe, expect, it } from 'vitest'
import { GatewaySessions } from '../../../fleet-server/src/mqtt/gateway-sessions.ts'
import type { GatewayCredentials } from '../../../fleet-server/src/store/types.ts'

function fakeClient(): Client & { closes: number } {
  const client = { closes: 0, close() { client.closes += 1 } }
  return client as unknown as Client & { closes: number }
}
const credentials = (gatewayId: string, passwordHash: string): GatewayCredentials => ({ gatewayId, siteId: 'site-a', username: gatewayId, passwordHash })

describe('GatewaySessions', () => {
  it('closes only the sessions whose credentials the store no longer holds, each once', () => {
    const stored = new Map([['gw1', credentials('gw1', 'h1')], ['gw2', credentials('gw2', 'h2')]])
    const sessions = new GatewaySessions((username) => stored.get(username))
    const [one, two] = [fakeClient(), fakeClient()]
    sessions.signedIn(one, credentials('gw1', 'h1'))
    sessions.signedIn(two, credentials('gw2', 'h2'))
    expect(sessions.closeStale()).toBe(0)

    stored.set('gw1', credentials('gw1', 'h1-replaced'))
    expect(sessions.closeStale('gw2')).toBe(0)
    expect(sessions.closeStale('gw1')).toBe(1)
    expect(sessions.closeStale('gw1')).toBe(0)
    expect([one.closes, two.closes]).toEqual([1, 0])

    stored.delete('gw2')
    expect(sessions.closeStale()).toBe(1)
    expect(two.closes).toBe(1)
  })

  it('forgets a session that ended, or whose connection closed without aedes saying so', () => {
    const sessions = new GatewaySessions(() => undefined)
    const [ended, closed] = [Object.assign(fakeClient(), { id: 'edge-a-gw1' }), Object.assign(fakeClient(), { id: 'edge-a-gw2', closed: true })]
    sessions.signedIn(ended, credentials('gw1', 'h1'))
    sessions.signedIn(closed, credentials('gw2', 'h2'))
    sessions.ended(ended)
    expect(sessions.holder('edge-a-gw2')).toBe('gw2')
    expect(sessions.closeStale()).toBe(0)
    expect(sessions.holder('edge-a-gw2')).toBeUndefined()
    expect([ended.closes, closed.closes]).toEqual([0, 0])
  })

  it('knows which gateway\'s session holds a client id, also after a session of the same id took over from an older one', () => {
    const sessions = new GatewaySessions(() => undefined)
    const [older, newer] = [Object.assign(fakeClient(), { id: 'edge-a-b-c' }), Object.assign(fakeClient(), { id: 'edge-a-b-c' })]
    expect(sessions.holder('edge-a-b-c')).toBeUndefined()
    sessions.signedIn(older, credentials('c', 'h'))
    sessions.signedIn(newer, credentials('c', 'h'))
    sessions.ended(older)
    expect(sessions.holder('edge-a-b-c')).toBe('c')
    sessions.ended(newer)
    expect(sessions.holder('edge-a-b-c')).toBeUndefined()
  })
})
