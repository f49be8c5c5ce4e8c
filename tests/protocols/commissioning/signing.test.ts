import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalBytes, generateSigningKey, keyIdOf, publicKeyOf, runHash, signRun, verifySignedRun, PUBLIC_KEY_PATTERN } from '../../../protocols/commissioning/index.ts'
import { sampleRun } from '../../support/commissioning-run.ts'

const gatewayKey = generateSigningKey()
const otherKey = generateSigningKey()
const expected = { publicKey: gatewayKey.publicKey, site: 'site-a', gateway: 'gw-1' }

describe('signed commissioning runs', () => {
  it('verifies what the gateway signed, after a JSON round trip with the keys in another order', () => {
    const signed = signRun(sampleRun(), gatewayKey.privateKeyPem)
    const received = JSON.parse(JSON.stringify({ keyId: signed.keyId, signature: signed.signature, hash: signed.hash, run: { ...(signed.run as object), v: 1 } })) as unknown
    const verdict = verifySignedRun(received, expected)
    expect(verdict).toEqual({ ok: true, run: sampleRun() })
    expect(signed.hash).toBe(runHash(sampleRun()))
  })

  it('canonical form sorts keys and drops whitespace (RFC 8785)', () => {
    expect(canonicalBytes({ b: 1, a: [1.5e-7, 'x', { z: null, y: 2 }] }).toString()).toBe('{"a":[1.5e-7,"x",{"y":2,"z":null}],"b":1}')
  })

  it('public keys are base64 SPKI DER with a stable key id', () => {
    expect(gatewayKey.publicKey).toMatch(new RegExp(PUBLIC_KEY_PATTERN, 'u'))
    expect(publicKeyOf(gatewayKey.privateKeyPem)).toBe(gatewayKey.publicKey)
    expect(keyIdOf(gatewayKey.publicKey)).toMatch(/^[0-9a-f]{16}$/u)
    expect(keyIdOf(gatewayKey.publicKey)).not.toBe(keyIdOf(otherKey.publicKey))
  })

  it('refuses any changed byte of the run as a bad signature', () => {
    const text = JSON.stringify(signRun(sampleRun(), gatewayKey.privateKeyPem))
    const runStart = text.indexOf('"run":') + 6
    fc.assert(fc.property(fc.integer({ min: runStart, max: text.length - 2 }), fc.integer({ min: 1, max: 9 }), (at, delta) => {
      const code = text.charCodeAt(at)
      if (!/[0-9a-z]/u.test(text[at]!)) return
      const changed = text.slice(0, at) + String.fromCharCode(/[0-9]/u.test(text[at]!) ? 48 + ((code - 48 + delta) % 10) : 97 + ((code - 97 + delta) % 26)) + text.slice(at + 1)
      let parsed: unknown
      try {
        parsed = JSON.parse(changed)
      } catch {
        return
      }
      const verdict = verifySignedRun(parsed, expected)
      if (changed === text) return
      expect(verdict.ok).toBe(false)
    }), { numRuns: 300 })
  })

  it('names why a run is refused', () => {
    const signed = signRun(sampleRun(), gatewayKey.privateKeyPem)
    const tampered = { ...signed, run: { ...sampleRun(), result: 'failed' } }
    expect(verifySignedRun(tampered, expected)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' })
    expect(verifySignedRun(signRun(sampleRun(), otherKey.privateKeyPem), expected)).toMatchObject({ ok: false, code: 'OTHER_KEY' })
    expect(verifySignedRun(signed, { ...expected, publicKey: undefined })).toMatchObject({ ok: false, code: 'NO_KEY' })
    expect(verifySignedRun(signRun(sampleRun({ site: 'site-b' }), gatewayKey.privateKeyPem), expected)).toMatchObject({ ok: false, code: 'OTHER_SITE', reason: expect.stringContaining('site-b') as string })
    expect(verifySignedRun(signRun(sampleRun({ gateway: 'gw-2' }), gatewayKey.privateKeyPem), expected)).toMatchObject({ ok: false, code: 'OTHER_GATEWAY' })
    expect(verifySignedRun({ ...signed, hash: `sha256:${'0'.repeat(64)}` }, expected)).toMatchObject({ ok: false, code: 'HASH_MISMATCH' })
    expect(verifySignedRun({ run: signed.run }, expected)).toMatchObject({ ok: false, code: 'MALFORMED' })
    const invalid = sampleRun() as unknown as Record<string, unknown>
    invalid.devices = []
    expect(verifySignedRun(signRun(invalid as never, gatewayKey.privateKeyPem), expected)).toMatchObject({ ok: false, code: 'INVALID_RUN' })
  })
})
