import { readFileSync, statSync } from 'node:fs'
import { checkCredentialsMode, CredentialsError, parseCredentials, type Credentials } from '../../../protocols/mqtt/credentials.ts'

/** The fleet server's login to an external broker, from `--mqtt-credentials FILE` (JSON, mode 0600 like the gateway's). */
export function readBrokerCredentials(path: string): Credentials {
  let mode: number
  let text: string
  try {
    mode = statSync(path).mode
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new CredentialsError('CREDENTIALS_UNREADABLE', `credentials file ${path}: cannot read it (${code})`)
  }
  checkCredentialsMode(path, mode)
  return parseCredentials(path, text)
}
