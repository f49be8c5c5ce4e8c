import fc from 'fast-check'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { changedKeys, configDocument, provisionFields, withProvisionFields } from '../../../edge-agent/src/provision/config-document.ts'

const DRAFT = `# yaml-language-server: $schema=../edge-agent/config.schema.json
# pump room gateway, written by edge-agent scan

gateway:
  id: draft-gw   # replaced by provision
  site: unknown-site
  name: pump room

buffer: { path: outbox.sqlite }   # beside the config
buses:
  - { id: line-1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
devices:
  # the detector by the door
  - { id: ch4-1, bus: line-1, unit: 1, profile: ccri-gjc4-catalytic-methane }
`

const WANTED = { gatewayId: 'pump-gw-1', site: 'mine-7', url: 'mqtts://fleet.example:8883', credentialsFile: 'gateway.credentials.json', caFile: 'fleet-ca.pem' }

const topKeys = (text: string) => Object.keys(parse(text) as object)
const comments = (text: string) => text.split('\n').flatMap((line) => /#.*$/u.exec(line)?.[0] ?? [])

describe('filling a config with what an enrolment answered', () => {
  it('sets the values, keeps every comment, and puts a new uplink right after gateway', () => {
    const edited = withProvisionFields(DRAFT, WANTED)
    expect(provisionFields(configDocument(edited)!)).toEqual(WANTED)
    expect(comments(edited)).toEqual(comments(DRAFT))
    expect(topKeys(edited)).toEqual(['gateway', 'uplink', 'buffer', 'buses', 'devices'])
    expect(edited).toContain('  name: pump room\n')
    // what it does not touch reads as before
    const before = parse(DRAFT) as Record<string, unknown>
    const after = parse(edited) as Record<string, unknown>
    expect({ ...after, gateway: undefined, uplink: undefined }).toEqual({ ...before, gateway: undefined })
    expect((after.gateway as { name: string }).name).toBe('pump room')
  })

  it('keeps the order of an uplink that is there, replacing its values in place', () => {
    const text = 'uplink:\n  caFile: old-ca.pem # pinned\n  url: mqtt://old:1883\ngateway: { id: a, site: b }\nbuses: []\n'
    const edited = withProvisionFields(text, WANTED)
    expect(edited).toBe(`uplink:\n  caFile: fleet-ca.pem # pinned\n  url: mqtts://fleet.example:8883\n  credentialsFile: gateway.credentials.json\ngateway: { id: pump-gw-1, site: mine-7 }\nbuses: []\n`)
  })

  it('adds a gateway first when the config has none', () => {
    const edited = withProvisionFields('buses: []\ndevices: []\n', { gatewayId: 'g', site: 's' })
    expect(topKeys(edited)).toEqual(['gateway', 'buses', 'devices'])
    expect(provisionFields(configDocument(edited)!)).toEqual({ gatewayId: 'g', site: 's' })
  })

  it('gives back the very text when nothing changes (a rerun writes nothing new)', () => {
    const once = withProvisionFields(DRAFT, WANTED)
    expect(withProvisionFields(once, WANTED)).toBe(once)
    expect(changedKeys(provisionFields(configDocument(once)!), WANTED)).toEqual([])
  })

  it('names the keys a change sets', () => {
    expect(changedKeys({ gatewayId: 'pump-gw-1', site: 'mine-7', url: 'mqtt://x:1' }, WANTED)).toEqual(['uplink.url', 'uplink.credentialsFile', 'uplink.caFile'])
  })

  it('quotes what YAML would misread, and any value reads back as written', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), (site, file) => {
      const edited = withProvisionFields(DRAFT, { ...WANTED, site, credentialsFile: file })
      const fields = provisionFields(configDocument(edited)!)
      expect(fields.site).toBe(site)
      expect(fields.credentialsFile).toBe(file)
      expect(comments(edited).slice(0, 2)).toEqual(comments(DRAFT).slice(0, 2))
    }))
  })

  it('is no config document when the text is not a map, or gateway or uplink are not maps', () => {
    expect(configDocument('')).toBeUndefined()
    expect(configDocument('- a\n- b\n')).toBeUndefined()
    expect(configDocument('gateway: [a]\n')).toBeUndefined()
    expect(configDocument('uplink: mqtt://x\n')).toBeUndefined()
    expect(configDocument('gateway: {\n')).toBeUndefined()
    expect(configDocument('gateway: { id: a }\n')).toBeDefined()
  })

  it('reads only string values (a number is for the config check to name)', () => {
    expect(provisionFields(configDocument('gateway: { id: 7, site: s }\n')!)).toEqual({ site: 's' })
  })
})
