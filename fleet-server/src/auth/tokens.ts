import { createHash, randomBytes } from 'node:crypto'

/** A fresh bearer, session or enrolment token: 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url')

/**
 * What the store keeps instead of the token. Lookup is by this hash, so the secret itself is never
 * compared byte by byte (a timing difference reveals nothing about a valid token).
 */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex')
