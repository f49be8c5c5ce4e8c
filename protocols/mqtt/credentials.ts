import { ProductError } from '../errors.ts'

/**
 * A broker login kept in a file (`{"username", "password"}`, mode 0600): the gateway's, written by
 * `edge-agent provision`, and the fleet server's for an external broker. The checks are pure; each
 * program reads the file's mode and text itself.
 */
export interface Credentials {
  username: string
  password: string
}

export type CredentialsErrorCode = 'CREDENTIALS_UNREADABLE' | 'CREDENTIALS_INSECURE' | 'CREDENTIALS_INVALID' | 'CA_UNREADABLE'

/** A credentials or CA file that cannot be used. The message names the file; it never contains the password. */
export class CredentialsError extends ProductError {
  constructor(readonly code: CredentialsErrorCode, message: string) {
    super(message)
  }
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`

/** Refuses a file that group or other may read or write (mode & 0o077): a password others can read is no secret. */
export function checkCredentialsMode(path: string, mode: number): void {
  if ((mode & 0o077) !== 0) {
    throw new CredentialsError('CREDENTIALS_INSECURE', `credentials file ${path} has mode ${octal(mode)}: group and other must have no access; run chmod 600 ${path}`)
  }
}

/** `{"username", "password"}` from the file's text, or CredentialsError naming the file and never quoting the text. */
export function parseCredentials(path: string, text: string): Credentials {
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

/**
 * The credentials in the file at `path`, read by `read` (the program's file system: protocols/ does no I/O):
 * unreadable, readable by others, or not the JSON shape — each a CredentialsError naming the file.
 */
export function credentialsFromFile(path: string, read: (path: string) => { mode: number; text: string }): Credentials {
  let file: { mode: number; text: string }
  try {
    file = read(path)
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error'
    throw new CredentialsError('CREDENTIALS_UNREADABLE', `credentials file ${path}: cannot read it (${code})`)
  }
  checkCredentialsMode(path, file.mode)
  return parseCredentials(path, file.text)
}

/** The broker URL without its user name and password: what may be shown, logged or handed to a gateway. */
export function withoutCredentials(url: string): string {
  // greedy to the authority's last @, as the URL parser reads it: a password may hold an unescaped @
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/iu, '$1')
}
