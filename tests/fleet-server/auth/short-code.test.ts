import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { enrollSecretHash, hashToken, newShortCode, newToken, shortCodeOf } from '../../../fleet-server/src/auth/tokens.ts'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const tenBytes = fc.uint8Array({ minLength: 10, maxLength: 10 })

/** the 80 bits the code spells, read back from its characters */
const bitsOf = (code: string): bigint => [...code.replaceAll('-', '')].reduce((bits, c) => (bits << 5n) | BigInt(CROCKFORD.indexOf(c)), 0n)
const bigintOf = (bytes: Uint8Array): bigint => [...bytes].reduce((bits, b) => (bits << 8n) | BigInt(b), 0n)

describe('newShortCode', () => {
  it('spells the 80 random bits as 16 Crockford base32 characters in four groups', () => {
    fc.assert(fc.property(tenBytes, (bytes) => {
      const code = newShortCode(bytes)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/u)
      expect(bitsOf(code)).toBe(bigintOf(bytes))
    }))
  })

  it('gives the extremes their digits', () => {
    expect(newShortCode(new Uint8Array(10))).toBe('0000-0000-0000-0000')
    expect(newShortCode(new Uint8Array(10).fill(255))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ')
  })

  it('differs between calls without given bytes', () => {
    expect(newShortCode()).not.toBe(newShortCode())
  })
})

/** what a person might type for a code: any case, dashes and spaces anywhere, 1 as I or L, 0 as O */
const typed = (code: string) => fc.tuple(
  fc.array(fc.constantFrom('', '', '-', ' ', '  '), { minLength: 17, maxLength: 17 }),
  fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  fc.array(fc.constantFrom(0, 1, 2), { minLength: 16, maxLength: 16 }),
).map(([gaps, lower, lookalike]) => [...code].map((c, i) => {
  let shown = c === '1' ? ['1', 'I', 'L'][lookalike[i]!]! : c === '0' ? ['0', 'O', 'O'][lookalike[i]!]! : c
  if (lower[i]) shown = shown.toLowerCase()
  return gaps[i]! + shown
}).join('') + gaps[16]!)

describe('shortCodeOf', () => {
  it('reads back a code however it was typed', () => {
    fc.assert(fc.property(tenBytes.chain((bytes) => {
      const code = newShortCode(bytes).replaceAll('-', '')
      return typed(code).map((text) => ({ code, text }))
    }), ({ code, text }) => {
      expect(shortCodeOf(text)).toBe(code)
      expect(enrollSecretHash(text)).toBe(hashToken(code))
    }))
  })

  it('is not a short code: a whole token, too few or too many characters, U or punctuation', () => {
    expect(shortCodeOf(newToken())).toBeUndefined()
    expect(shortCodeOf('ABCD-EFGH-JKMN-PQR')).toBeUndefined()
    expect(shortCodeOf('ABCD-EFGH-JKMN-PQRST')).toBeUndefined()
    expect(shortCodeOf('ABCD-EFGH-JKMN-PQRU')).toBeUndefined()
    expect(shortCodeOf('ABCD_EFGH_JKMN_PQRS')).toBeUndefined()
  })

  it('leaves a whole token as it is: its hash is the token\'s', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      const token = Buffer.from(bytes).toString('base64url')
      expect(enrollSecretHash(token)).toBe(hashToken(token))
    }))
  })
})
