import { isAbsolute, resolve } from 'node:path'
import { ProvisionError } from './errors.ts'

/** What `edge-agent provision` was asked to do, checked. */
export interface ProvisionInputs {
  /** the fleet server's base URL (https: or http:); `enrollUrl` joins the route to it */
  server: URL
  /** the one-time token or short code (never printed) */
  token: string
  /** absolute path of the gateway config */
  configFile: string
  /** absolute path of the CA certificate (PEM) that verifies the server, and the broker when the uplink is mqtts */
  caFile?: string
  gatewayId?: string
}

export interface ProvisionArguments {
  server: string
  token?: string
  /** a file holding the token, `-` for stdin: a token on the command line is visible to every local user in ps */
  tokenFile?: string
  config: string
  ca?: string
  gateway?: string
}

/** The gateway config's own pattern for ids (edge-agent/src/config/schema.ts idString). */
const GATEWAY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u
/** a token or a short code (which a person may type in groups with spaces): printable ASCII, at most the server's 128 characters */
const TOKEN = /^[\x20-\x7e]{1,128}$/u

const usage = (message: string) => new ProvisionError('PROVISION_USAGE', message)

/** The arguments checked and made absolute against `cwd`; ProvisionError PROVISION_USAGE (exit 2) naming the option otherwise. */
export function provisionInputs(args: ProvisionArguments, cwd: string, readText: (file: string | 0) => string = () => ''): ProvisionInputs {
  let server: URL
  try {
    server = new URL(args.server)
  } catch {
    throw usage(`--server must be the fleet server's URL (https://host:port), got "${args.server}"`)
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') throw usage(`--server must be an https:// or http:// URL, got ${server.protocol}//…`)
  if (server.username !== '' || server.password !== '') throw usage('--server must not carry a user name or password; the token is the credential')
  if (server.search !== '' || server.hash !== '') throw usage(`--server must be the server's base URL without ? or #, got "${server.origin}${server.pathname}…"`)
  if ((args.token === undefined) === (args.tokenFile === undefined)) throw usage('give the enrolment token with --token TOKEN or --token-file FILE (- for stdin), one of them')
  const token = (args.token ?? readToken(args.tokenFile!, cwd, readText)).trim()
  // the token is a secret: the message never repeats it
  if (!TOKEN.test(token)) throw usage('--token must be the enrolment token or short code the fleet server gave (printable ASCII characters, at most 128)')
  if (args.gateway !== undefined && !GATEWAY_ID.test(args.gateway)) {
    throw usage(`--gateway must be letters, digits, - _ . (starting with a letter or digit, at most 64), got "${args.gateway}"`)
  }
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path))
  return {
    server, token, configFile: absolute(args.config),
    ...(args.ca !== undefined && { caFile: absolute(args.ca) }),
    ...(args.gateway !== undefined && { gatewayId: args.gateway }),
  }
}

function readToken(file: string, cwd: string, readText: (file: string | 0) => string): string {
  try {
    return readText(file === '-' ? 0 : isAbsolute(file) ? file : resolve(cwd, file))
  } catch (error) {
    throw usage(`--token-file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`)
  }
}

/** `POST /api/enroll` under the server's base URL (which may have a path, behind a reverse proxy). */
export function enrollUrl(server: URL): URL {
  const base = server.pathname.endsWith('/') ? server : new URL(`${server.pathname}/`, server)
  return new URL('api/enroll', base)
}
