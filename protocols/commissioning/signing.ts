import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import canonicalize from 'canonicalize'
import { createValidator, firstErrorText } from '../validation/ajv.ts'
import { RunSchema, SignedRunSchema, type Run, type SignedRun } from './run.ts'

/**
 * Signing a run on the gateway and verifying it on the server. The signed bytes are the run's
 * canonical JSON (RFC 8785: sorted keys, no whitespace, ECMAScript number form), so any consumer can
 * re-derive them from the parsed run. Keys are Ed25519; a gateway's public key travels as base64 SPKI DER.
 */

/** base64 of an Ed25519 public key in SPKI DER (44 bytes) */
export const PUBLIC_KEY_PATTERN = '^MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=$'

export function canonicalBytes(run: unknown): Buffer {
  const text = canonicalize(run)
  if (text === undefined) throw new TypeError('a run must be a JSON value')
  return Buffer.from(text, 'utf8')
}

export const runHash = (run: unknown): string => `sha256:${createHash('sha256').update(canonicalBytes(run)).digest('hex')}`

export function keyIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 16)
}

/** A new gateway key: the private key as PKCS#8 PEM (for a 0600 file), the public key as base64 SPKI DER. */
export function generateSigningKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  }
}

/** The public key (base64 SPKI DER) of a private key in PEM. */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' }).toString('base64')
}

export function signRun(run: Run, privateKeyPem: string): SignedRun {
  const key: KeyObject = createPrivateKey(privateKeyPem)
  const bytes = canonicalBytes(run)
  return {
    run,
    hash: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    signature: sign(null, bytes, key).toString('base64'),
    keyId: keyIdOf(createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64')),
  }
}

export type RefusalCode = 'MALFORMED' | 'NO_KEY' | 'OTHER_KEY' | 'HASH_MISMATCH' | 'BAD_SIGNATURE' | 'INVALID_RUN' | 'OTHER_GATEWAY' | 'OTHER_SITE'

export type Verdict = { ok: true; run: Run } | { ok: false; code: RefusalCode; reason: string }

const validSigned = createValidator<SignedRun>(SignedRunSchema)
const validRun = createValidator<Run>(RunSchema)

/**
 * Whether `signed`, received from gateway `gateway` of site `site`, is a run that gateway signed with
 * the key registered for it (`publicKey`, base64 SPKI DER; undefined when none is registered). The
 * signature is checked before the run's content: a changed byte is refused as a bad signature.
 */
export function verifySignedRun(signed: unknown, { publicKey, site, gateway }: { publicKey: string | undefined; site: string; gateway: string }): Verdict {
  if (!validSigned(signed)) return { ok: false, code: 'MALFORMED', reason: `not a signed run: ${firstErrorText(validSigned.errors)}` }
  if (publicKey === undefined) return { ok: false, code: 'NO_KEY', reason: `gateway ${gateway} has no registered signing key (provision it again to register one)` }
  const registered = keyIdOf(publicKey)
  if (signed.keyId !== registered) return { ok: false, code: 'OTHER_KEY', reason: `signed with key ${signed.keyId}, but gateway ${gateway} is registered with key ${registered}` }
  let bytes: Buffer
  try {
    bytes = canonicalBytes(signed.run)
  } catch (error) {
    return { ok: false, code: 'MALFORMED', reason: `the run is not canonical JSON: ${(error as Error).message}` }
  }
  if (!verify(null, bytes, createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }), Buffer.from(signed.signature, 'base64'))) {
    return { ok: false, code: 'BAD_SIGNATURE', reason: `the signature does not verify with gateway ${gateway}'s key ${registered}: the run was changed after signing, or signed by another key` }
  }
  const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  if (signed.hash !== hash) return { ok: false, code: 'HASH_MISMATCH', reason: `the stated hash ${signed.hash} is not the run's ${hash}` }
  const run = signed.run
  if (!validRun(run)) return { ok: false, code: 'INVALID_RUN', reason: `signed, but not a valid run: ${firstErrorText(validRun.errors)}` }
  if (run.gateway !== gateway) return { ok: false, code: 'OTHER_GATEWAY', reason: `the run names gateway ${run.gateway}, but came from gateway ${gateway}` }
  if (run.site !== site) return { ok: false, code: 'OTHER_SITE', reason: `the run claims site ${run.site}, but gateway ${gateway} belongs to site ${site}` }
  return { ok: true, run }
}
