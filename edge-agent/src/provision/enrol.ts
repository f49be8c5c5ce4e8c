import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { enrolmentFromAnswer } from './enrol-answer.ts'
import { ProvisionError } from './errors.ts'
import { enrollUrl } from './inputs.ts'
import type { Enrolment } from './plan.ts'

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED'])
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|HOSTNAME|EPROTO|ERR_SSL|ERR_TLS/u
const MAX_ANSWER_BYTES = 64 * 1024

export interface EnrolRequest {
  token: string
  gatewayId: string
  /** the site the config names: the server refuses (409 WRONG_SITE) a token of another site and leaves it usable */
  siteId?: string
  /** the gateway's Ed25519 public key (base64 SPKI DER): the server verifies its commissioning runs with it */
  signingKey: string
}

/**
 * `POST /api/enroll` over node:http(s) — fetch takes no CA — verifying an https server with `ca`
 * when given (else the system's CAs). Any failure is a ProvisionError saying what happened.
 */
export function enrol(server: URL, body: EnrolRequest, ca: Buffer | undefined, timeoutMs = 15_000): Promise<Enrolment> {
  const url = enrollUrl(server)
  const endpoint = `${url.origin}${url.pathname}`
  const payload = JSON.stringify(body)
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      ...(url.protocol === 'https:' && ca !== undefined && { ca }),
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = []
      let bytes = 0
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes <= MAX_ANSWER_BYTES) chunks.push(chunk)
      })
      res.on('error', (error) => reject(transportFailure(error, url, ca !== undefined, timeoutMs)))
      res.on('end', () => {
        try {
          resolve(enrolmentFromAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), endpoint))
        } catch (error) {
          reject(error)
        }
      })
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    req.on('error', (error) => reject(transportFailure(error, url, ca !== undefined, timeoutMs)))
    req.end(payload)
  })
}

function transportFailure(error: Error, url: URL, withCa: boolean, timeoutMs: number): ProvisionError {
  const code = (error as NodeJS.ErrnoException).code ?? ''
  if (code === 'ETIMEDOUT' && error.message === 'timeout') {
    return new ProvisionError('SERVER_UNREACHABLE', `the fleet server at ${url.origin} did not answer within ${timeoutMs / 1000} s; nothing was written`)
  }
  if (SOCKET_CODES.has(code)) return new ProvisionError('SERVER_UNREACHABLE', `cannot reach the fleet server at ${url.origin}: ${code}; nothing was written`)
  if (TLS_CODES.test(code)) {
    const hint = withCa ? 'the CA given with --ca did not sign the server\'s certificate (or the certificate does not name this host)' : 'give the fleet\'s CA certificate with --ca FILE'
    return new ProvisionError('SERVER_TLS', `the fleet server at ${url.origin} is not trusted: ${code} (${error.message.split('\n')[0]}); ${hint}; nothing was written`)
  }
  return new ProvisionError('SERVER_UNREACHABLE', `cannot talk to the fleet server at ${url.origin}: ${code ? `${code} ` : ''}${error.message.split('\n')[0]}; nothing was written`)
}
