import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { publicKeyOf } from '../../../protocols/commissioning/index.ts'
import { ProductError } from '../../../protocols/errors.ts'
import { bufferPathOf } from '../outbox/buffer-path.ts'
import type { ResolvedConfig } from '../config/index.ts'

/**
 * The gateway's Ed25519 signing key: generated at provisioning, its public key registered with the
 * server at enrolment, the private key a 0600 PEM file beside the credentials (`x.credentials.json` →
 * `x.signing-key.pem`), or beside the outbox when the gateway has no uplink.
 */

export class SigningKeyError extends ProductError {
  override readonly name = 'SigningKeyError'
  constructor(readonly code: 'NO_SIGNING_KEY' | 'BAD_SIGNING_KEY', message: string) {
    super(message)
  }
}

export function signingKeyNear(credentialsFile: string): string {
  const name = basename(credentialsFile)
  const stem = name.endsWith('credentials.json') ? name.slice(0, -'credentials.json'.length) : `${name}.`
  return join(dirname(credentialsFile), `${stem}signing-key.pem`)
}

export function signingKeyPath(config: ResolvedConfig): string {
  const credentials = config.uplink?.credentialsFile
  return credentials !== undefined ? signingKeyNear(credentials) : join(dirname(bufferPathOf(config)), 'signing-key.pem')
}

export function readSigningKey(path: string): { privateKeyPem: string; publicKey: string } {
  let privateKeyPem: string
  try {
    privateKeyPem = readFileSync(path, 'utf8')
  } catch (error) {
    throw new SigningKeyError('NO_SIGNING_KEY', `no signing key at ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): provision the gateway (edge-agent provision) to create and register one`)
  }
  try {
    return { privateKeyPem, publicKey: publicKeyOf(privateKeyPem) }
  } catch (error) {
    throw new SigningKeyError('BAD_SIGNING_KEY', `${path} is not an Ed25519 private key in PEM: ${(error as Error).message}`)
  }
}
