import { describe, expect, it } from 'vitest'
import { enrolmentRefusal } from '../../../fleet-server/src/model/enrolment.ts'

const token = { siteId: 'site-a' }
const replacing = { siteId: 'site-a', replaces: 'gw1' }
const enrolled = { siteId: 'site-a', enrolled: true }
const withoutCredentials = { siteId: 'site-a', enrolled: false }

describe('enrolmentRefusal', () => {
  it('lets a token enrol a new gateway id, or one of its site without credentials (never enrolled, or revoked)', () => {
    expect(enrolmentRefusal(token, 'gw-new', undefined)).toBeUndefined()
    expect(enrolmentRefusal(token, 'gw1', withoutCredentials)).toBeUndefined()
  })

  it('refuses a gateway that has credentials unless the token was minted to replace it', () => {
    expect(enrolmentRefusal(token, 'gw1', enrolled)).toEqual({ reason: 'enrolled', gatewayId: 'gw1' })
    expect(enrolmentRefusal(replacing, 'gw1', enrolled)).toBeUndefined()
  })

  it('refuses with a replacement token any other gateway than the one it replaces', () => {
    expect(enrolmentRefusal(replacing, 'gw-new', undefined)).toEqual({ reason: 'replaces-another', gatewayId: 'gw-new', replaces: 'gw1' })
    expect(enrolmentRefusal(replacing, 'gw2', withoutCredentials)).toEqual({ reason: 'replaces-another', gatewayId: 'gw2', replaces: 'gw1' })
  })

  it('refuses a gateway of another site, and a missing token', () => {
    expect(enrolmentRefusal(token, 'gw1', { siteId: 'site-b', enrolled: false })).toEqual({ reason: 'other-site', gatewayId: 'gw1', siteId: 'site-b' })
    expect(enrolmentRefusal({ siteId: 'site-a', replaces: 'gw1' }, 'gw1', { siteId: 'site-b', enrolled: true })).toMatchObject({ reason: 'other-site' })
    expect(enrolmentRefusal(undefined, 'gw-new', undefined)).toEqual({ reason: 'token-invalid' })
  })
})
