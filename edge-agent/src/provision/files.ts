import { randomBytes } from 'node:crypto'
import { accessSync, closeSync, constants, fchmodSync, fchownSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ProvisionError } from './errors.ts'

/**
 * Replaces `path` with `text` so that a reader (or a power cut) sees the old file or the new one,
 * never half of one: a temporary file beside it, created with `mode` (never wider, whatever the
 * umask), written, synced, then renamed over. `owner`: keep the replaced file's owner (run as root).
 */
export function replaceFile(path: string, text: string, mode: number, owner?: { uid: number; gid: number }): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
  try {
    try {
      fchmodSync(fd, mode)
      if (owner !== undefined && process.getuid?.() === 0) fchownSync(fd, owner.uid, owner.gid)
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
  syncFolder(dirname(path))
}

/** the rename itself survives a power cut only once its folder is synced */
function syncFolder(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** The config's text and how to write it back (mode and owner kept); a file that cannot be read is the installer's mistake (exit 2). */
export function readConfigFile(path: string): { text: string; mode: number; owner: { uid: number; gid: number } } {
  try {
    const stat = statSync(path)
    return { text: readFileSync(path, 'utf8'), mode: stat.mode & 0o777, owner: { uid: stat.uid, gid: stat.gid } }
  } catch (error) {
    throw new ProvisionError('PROVISION_USAGE', `--config ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/** The CA certificate given with --ca, checked to be PEM before anything is asked of the server. */
export function readCaCertificate(path: string): Buffer {
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (error) {
    throw new ProvisionError('PROVISION_USAGE', `--ca ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ProvisionError('PROVISION_USAGE', `--ca ${path}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`)
  return pem
}

/** Refuses, before the token is spent, a config or credentials file that could not be written afterwards. */
export function checkWritable(configFile: string, credentialsFile: string): void {
  for (const [path, what] of [[configFile, 'the config'], [dirname(configFile), 'the config\'s folder'], [dirname(credentialsFile), 'the credentials file\'s folder']] as const) {
    try {
      accessSync(path, constants.W_OK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new ProvisionError('CONFIG_NOT_WRITABLE', `${what} ${path} ${code === 'ENOENT' ? 'does not exist' : `is not writable (${code})`}; nothing was written`)
    }
  }
}
