import { readFileSync, statSync } from 'node:fs'
import { credentialsFromFile, type Credentials } from '../../../protocols/mqtt/credentials.ts'

/** The fleet server's login to an external broker, from `--mqtt-credentials FILE` (JSON, mode 0600 like the gateway's). */
export function readBrokerCredentials(path: string): Credentials {
  return credentialsFromFile(path, (file) => ({ mode: statSync(file).mode, text: readFileSync(file, 'utf8') }))
}
