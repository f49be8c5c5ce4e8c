import { readFileSync, statSync } from 'node:fs'
import { ProductError } from '../../../protocols/errors.ts'

/** The broker login of this gateway, as `edge-agent provision` stores it (JSON, file mode 0600). */
export interface Credentials {
  username: string
  password: string
}

export type CredentialsErrorCode = 'CREDENTIALS_UNREADABLE' | 'CREDENTIALS_INSECURE' | 'CREDENTIALS_INVALID' | 'CA_UNREADABLE'

/** A credentials or CA file that cannot be used. The message names the file; it never contains the password. */
export class CredentialsError extends ProductError {
  override readonly name = 'CredentialsError'
  constructor(readonly code: CredentialsErrorCode, message: string) {
    super(message)
  }
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`

/**
 * Read `{"username", "password"}` from `path`. Refuses a file that group or other may read or
 * write (mode & 0o077): a password anyone on the gateway can read is no secret.
 */
export function readCredentials(path: string): Credentials {
  let mode: number
  let text: string
  try {
    mode = statSync(path).mode
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new CredentialsError('CREDENTIALS_UNREADABLE', `credentials file ${path}: cannot read it (${code})`)
  }
  if ((mode & 0o077) !== 0) {
    throw new CredentialsError(
      'CREDENTIALS_INSECURE',
      `credentials file ${path} has mode ${octal(mode)}: group and other must have no access; run chmod 600 ${path}`,
    )
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the text, which would put the password in the log
    throw new CredentialsError('CREDENTIALS_INVALID', `credentials file ${path} is not valid JSON (expected {"username": "…", "password": "…"})`)
  }
  const { username, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  if (typeof username !== 'string' || username.length === 0 || typeof password !== 'string') {
    throw new CredentialsError('CREDENTIALS_INVALID', `credentials file ${path} must hold {"username": "…", "password": "…"} with string values`)
  }
  return { username, password }
}

/** The CA certificate(s) for mqtts:// (PEM), with an error naming the file when it cannot be read. */
export function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new CredentialsError('CA_UNREADABLE', `CA file ${path}: cannot read it (${code})`)
  }
}
