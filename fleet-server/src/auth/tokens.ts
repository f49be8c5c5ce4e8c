import { createHash, randomBytes } from 'node:crypto'

/** A fresh bearer, session or enrolment token: 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url')

/**
 * What the store keeps instead of the token. Lookup is by this hash, so the secret itself is never
 * compared byte by byte (a timing difference reveals nothing about a valid token).
 */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex')

/** Crockford's base32: digits and letters without I, L, O and U, which read as 1, 1, 0 and V. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const SHORT_CODE_LENGTH = 16
const SHORT_CODE = /^[0-9A-HJKMNP-TV-Z]{16}$/u

/**
 * A fresh short code of an enrolment token, for a person to read off a phone or paper and type:
 * 80 random bits as 16 Crockford base32 characters in groups of four (`7KQ2-M9XD-0VHT-4C8R`).
 * `bytes` is the randomness (10 bytes), a parameter for tests.
 */
export function newShortCode(bytes: Uint8Array = randomBytes(10)): string {
  let bits = 0n
  for (const byte of bytes.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte)
  let code = ''
  for (let i = SHORT_CODE_LENGTH - 1; i >= 0; i--) code += CROCKFORD[Number((bits >> BigInt(5 * i)) & 31n)]
  return code.match(/.{4}/gu)!.join('-')
}

/**
 * The short code `text` spells, as it is stored (16 characters, no dashes): case, dashes and spaces
 * ignored, I and L read as 1, O as 0. Undefined when `text` is not a short code.
 */
export function shortCodeOf(text: string): string | undefined {
  const code = text.toUpperCase().replace(/[\s-]/gu, '').replace(/[IL]/gu, '1').replace(/O/gu, '0')
  return SHORT_CODE.test(code) ? code : undefined
}

/** The hash an enrolment token is looked up by, whether it was presented whole or as its short code. */
export const enrollSecretHash = (presented: string): string => hashToken(shortCodeOf(presented) ?? presented)
