import { describe, expect, it } from 'vitest'
import { enrollTokenId, enrolmentRefusal, replacementRefusal } from '../../../fleet-server/src/model/enrolment.ts'

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

describe('enrolmentRefusal with the site the gateway\'s config names (edge-agent provision)', () => {
  it('lets a token of that site through to the other checks', () => {
    expect(enrolmentRefusal(token, 'gw-new', undefined, 'site-a')).toBeUndefined()
    expect(enrolmentRefusal(token, 'gw1', enrolled, 'site-a')).toEqual({ reason: 'enrolled', gatewayId: 'gw1' })
    expect(enrolmentRefusal(replacing, 'gw1', enrolled, 'site-a')).toBeUndefined()
  })

  it('refuses a token of another site first, naming both sites, whatever else would refuse it', () => {
    const wrong = { reason: 'wrong-site', tokenSiteId: 'site-a', expectedSiteId: 'site-b' }
    expect(enrolmentRefusal(token, 'gw-new', undefined, 'site-b')).toEqual(wrong)
    expect(enrolmentRefusal(token, 'gw1', enrolled, 'site-b')).toEqual(wrong)
    expect(enrolmentRefusal(replacing, 'gw2', undefined, 'site-b')).toEqual(wrong)
    expect(enrolmentRefusal(token, 'gw1', { siteId: 'site-b', enrolled: false }, 'site-b')).toEqual(wrong)
  })

  it('still refuses a missing token as invalid, whichever site is named', () => {
    expect(enrolmentRefusal(undefined, 'gw-new', undefined, 'site-b')).toEqual({ reason: 'token-invalid' })
  })
})

describe('replacementRefusal (minting a token that replaces a gateway\'s credentials)', () => {
  it('allows a gateway of the site, enrolled or not', () => {
    expect(replacementRefusal('site-a', 'gw1', enrolled)).toBeUndefined()
    expect(replacementRefusal('site-a', 'gw1', withoutCredentials)).toBeUndefined()
  })

  it('refuses an unknown gateway and one of another site', () => {
    expect(replacementRefusal('site-a', 'gw-nobody', undefined)).toEqual({ reason: 'no-such-gateway', gatewayId: 'gw-nobody' })
    expect(replacementRefusal('site-a', 'gw1', { siteId: 'site-b', enrolled: true })).toEqual({ reason: 'gateway-of-other-site', gatewayId: 'gw1', siteId: 'site-b' })
  })
})

describe('enrollTokenId', () => {
  it('names a token by the first 8 hex digits of its hash', () => {
    expect(enrollTokenId('0123456789abcdef'.repeat(4))).toBe('01234567')
  })
})
