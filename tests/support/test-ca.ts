/**
 * Throw-away certificates for TLS tests, made with openssl: a CA and a server certificate for
 * 127.0.0.1 and localhost signed by it (EC P-256, valid 2 days), and the pin chromium takes for one
 * certificate (--ignore-certificate-errors-spki-list), so a browser test trusts exactly that server.
 *
 *   const ca = await makeTestCa(dir, 'fleet-ca')         // dir/fleet-ca.pem, dir/fleet-ca.key
 *   const server = await makeServerCertificate(dir, ca)  // dir/server.pem, dir/server.key
 */
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './processes.ts'

/** Debian package openssl, a required test package (tests/support/system-packages.json) */
const OPENSSL = '/usr/bin/openssl'
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  cert: string
  key: string
}

async function openssl(args: string[]): Promise<void> {
  const result = await run(OPENSSL, args, { timeoutMs: 20_000 })
  if (result.code !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr || result.stdout}`)
}

/** A CA of its own, written to `dir` as NAME.pem and NAME.key (its common name NAME). */
export async function makeTestCa(dir: string, name: string): Promise<CertificateFiles> {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) }
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  return files
}

/** A server certificate for IP 127.0.0.1 and DNS localhost signed by `ca`, written to `dir` as NAME.pem and NAME.key. */
export async function makeServerCertificate(dir: string, ca: CertificateFiles, name = 'server'): Promise<CertificateFiles> {
  const at = (suffix: string) => join(dir, `${name}.${suffix}`)
  writeFileSync(at('ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n')
  await openssl(['req', ...EC_KEY, '-keyout', at('key'), '-out', at('csr'), '-subj', '/CN=127.0.0.1'])
  await openssl(['x509', '-req', '-in', at('csr'), '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', at('pem'), '-days', '2', '-extfile', at('ext')])
  return { cert: at('pem'), key: at('key') }
}

/** The base64 SHA-256 of a certificate's public key (its SubjectPublicKeyInfo): the pin chromium's --ignore-certificate-errors-spki-list takes. */
export function spkiSha256(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(spki).digest('base64')
}
