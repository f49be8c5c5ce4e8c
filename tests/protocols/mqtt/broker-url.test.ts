import { describe, expect, it } from 'vitest'
import { brokerAddress } from '../../../protocols/mqtt/index.ts'

describe('brokerAddress', () => {
  it.each([
    ['mqtt://127.0.0.1:1884', { protocol: 'mqtt', host: '127.0.0.1', port: 1884 }],
    ['mqtt://fleet.example', { protocol: 'mqtt', host: 'fleet.example', port: 1883 }],
    ['mqtts://fleet.example', { protocol: 'mqtts', host: 'fleet.example', port: 8883 }],
    ['mqtt://[::1]:1883', { protocol: 'mqtt', host: '::1', port: 1883 }],
    ['mqtt://fleet%20server:p%40ss@10.0.0.1:1883', { protocol: 'mqtt', host: '10.0.0.1', port: 1883, username: 'fleet server', password: 'p@ss' }],
  ])('%s', (url, address) => {
    expect(brokerAddress(url)).toEqual(address)
  })

  it('refuses another scheme without repeating a password', () => {
    expect(() => brokerAddress('http://user:S3cret@fleet.example:8080')).toThrow(/^not an mqtt:\/\/ or mqtts:\/\/ URL: http:\/\/fleet\.example:8080$/u)
  })
})
