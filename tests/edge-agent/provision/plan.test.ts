import { describe, expect, it } from 'vitest'
import { ProvisionError } from '../../../edge-agent/src/provision/errors.ts'
import { credentialsLocation, existingProvisioning, fieldsAfterEnrolment, gatewayIdFor, pathForConfig } from '../../../edge-agent/src/provision/plan.ts'

const CONFIG = '/etc/edge/gateway.yaml'
const PROVISIONED = { gatewayId: 'gw-1', site: 'mine-7', url: 'mqtts://fleet:8883', credentialsFile: 'gateway.credentials.json', caFile: 'ca.pem' }

describe('which gateway is enrolled', () => {
  it('--gateway first, else the config\'s gateway.id', () => {
    expect(gatewayIdFor('gw-2', { gatewayId: 'gw-1' }, CONFIG)).toBe('gw-2')
    expect(gatewayIdFor(undefined, { gatewayId: 'gw-1' }, CONFIG)).toBe('gw-1')
  })

  it('neither: a ProvisionError saying to give --gateway, which is invalid input (exit 2)', () => {
    let error: unknown
    try {
      gatewayIdFor(undefined, { site: 'mine-7' }, CONFIG)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(ProvisionError)
    expect((error as ProvisionError).code).toBe('GATEWAY_ID_MISSING')
    expect((error as ProvisionError).invalidInput).toBe(true)
    expect((error as Error).message).toBe(`no gateway id: ${CONFIG} has no gateway.id; give one with --gateway ID (letters, digits, - _ .)`)
  })
})

describe('where the files go', () => {
  it('credentials: the file the config names (relative to it), else NAME.credentials.json beside it', () => {
    expect(credentialsLocation(CONFIG, {})).toEqual({ written: 'gateway.credentials.json', path: '/etc/edge/gateway.credentials.json' })
    expect(credentialsLocation(CONFIG, { credentialsFile: 'secrets/mqtt.json' })).toEqual({ written: 'secrets/mqtt.json', path: '/etc/edge/secrets/mqtt.json' })
    expect(credentialsLocation(CONFIG, { credentialsFile: '/run/mqtt.json' })).toEqual({ written: '/run/mqtt.json', path: '/run/mqtt.json' })
  })

  it('a CA in or below the config\'s folder is named relative to it, elsewhere absolute', () => {
    expect(pathForConfig(CONFIG, '/etc/edge/ca.pem')).toBe('ca.pem')
    expect(pathForConfig(CONFIG, '/etc/edge/tls/ca.pem')).toBe('tls/ca.pem')
    expect(pathForConfig(CONFIG, '/etc/fleet/ca.pem')).toBe('/etc/fleet/ca.pem')
  })
})

describe('the config after an enrolment', () => {
  const enrolment = { siteId: 'mine-7', mqttUrl: 'mqtts://fleet:8883' }

  it('takes the site and broker from the answer, and pins the CA for an mqtts broker', () => {
    expect(fieldsAfterEnrolment({ configFile: CONFIG, current: {}, gatewayId: 'gw-1', enrolment, caFile: '/etc/edge/ca.pem' }))
      .toEqual({ gatewayId: 'gw-1', site: 'mine-7', url: 'mqtts://fleet:8883', credentialsFile: 'gateway.credentials.json', caFile: 'ca.pem' })
  })

  it('keeps the config\'s spelling of a CA that is the same file', () => {
    expect(fieldsAfterEnrolment({ configFile: CONFIG, current: { caFile: './ca.pem' }, gatewayId: 'gw-1', enrolment, caFile: '/etc/edge/ca.pem' }).caFile).toBe('./ca.pem')
  })

  it('a plain mqtt:// broker gets no caFile (the CA verified the server\'s HTTPS only), and without --ca none is set', () => {
    expect(fieldsAfterEnrolment({ configFile: CONFIG, current: {}, gatewayId: 'gw-1', enrolment: { ...enrolment, mqttUrl: 'mqtt://fleet:1883' }, caFile: '/etc/edge/ca.pem' })).not.toHaveProperty('caFile')
    expect(fieldsAfterEnrolment({ configFile: CONFIG, current: {}, gatewayId: 'gw-1', enrolment })).not.toHaveProperty('caFile')
  })
})

describe('is the gateway provisioned already (the login worth trying before the token is spent)', () => {
  it('a config naming this gateway, its site, a broker and credentials: their login, paths resolved', () => {
    expect(existingProvisioning(CONFIG, PROVISIONED, 'gw-1', '/etc/edge/ca.pem'))
      .toEqual({ site: 'mine-7', url: 'mqtts://fleet:8883', credentialsFile: '/etc/edge/gateway.credentials.json', caFile: '/etc/edge/ca.pem' })
    expect(existingProvisioning(CONFIG, PROVISIONED, 'gw-1', undefined)?.caFile).toBe('/etc/edge/ca.pem')
  })

  it('another gateway, or any of site, broker, credentials missing: provisioning is needed', () => {
    expect(existingProvisioning(CONFIG, PROVISIONED, 'gw-2', undefined)).toBeUndefined()
    for (const missing of ['site', 'url', 'credentialsFile'] as const) {
      const { [missing]: _gone, ...rest } = PROVISIONED
      expect(existingProvisioning(CONFIG, rest, 'gw-1', undefined), missing).toBeUndefined()
    }
  })

  it('--ca naming another CA than an mqtts config pins: provisioning is needed', () => {
    expect(existingProvisioning(CONFIG, PROVISIONED, 'gw-1', '/etc/fleet/new-ca.pem')).toBeUndefined()
    expect(existingProvisioning(CONFIG, { ...PROVISIONED, caFile: undefined }, 'gw-1', '/etc/edge/ca.pem')).toBeUndefined()
    // over plain mqtt:// the CA was for the server only
    expect(existingProvisioning(CONFIG, { ...PROVISIONED, url: 'mqtt://fleet:1883' }, 'gw-1', '/etc/fleet/new-ca.pem')).toBeDefined()
  })
})
