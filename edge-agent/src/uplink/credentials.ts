import { readFileSync, statSync } from 'node:fs'
import { credentialsFromFile, CredentialsError, type Credentials } from '../../../protocols/mqtt/credentials.ts'

export { CredentialsError, type Credentials } from '../../../protocols/mqtt/credentials.ts'

/** The broker login of this gateway, as `edge-agent provision` stores it (JSON, file mode 0600; checked in protocols/mqtt/credentials.ts). */
export function readCredentials(path: string): Credentials {
  return credentialsFromFile(path, (file) => ({ mode: statSync(file).mode, text: readFileSync(file, 'utf8') }))
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
