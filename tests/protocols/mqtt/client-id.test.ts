import { describe, expect, it } from 'vitest'
import { gatewayClientId } from '../../../protocols/mqtt/index.ts'

describe('gatewayClientId', () => {
  it('names a gateway\'s MQTT session after its site and id, as the agent signs in and the broker binds it', () => {
    expect(gatewayClientId('mine-7', 'gw-1')).toBe('edge-mine-7-gw-1')
  })

  it('is the same for two gateways whose ids share a dash across the join (the broker also checks the holder)', () => {
    expect(gatewayClientId('a-b', 'c')).toBe(gatewayClientId('a', 'b-c'))
  })
})
