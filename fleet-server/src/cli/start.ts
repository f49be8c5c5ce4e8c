import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import pino from 'pino'
import { DEFAULT_DB_PATH, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_MQTT_PORT } from '../defaults.ts'
import type { FleetServer } from '../server.ts'
import { mqttLimitsOf, withMqttLimitOptions, type MqttLimitFlags } from './mqtt-limit-options.ts'
import { nativeModuleFailure, parseInteger, RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { ProductError } from '../../../protocols/errors.ts'
import { CredentialsError, withoutCredentials, type Credentials } from '../../../protocols/mqtt/credentials.ts'
import { readBrokerCredentials } from '../mqtt/broker-credentials.ts'

interface StartOptions extends MqttLimitFlags {
  port: string
  host: string
  db: string
  mqtt?: string
  mqttCredentials?: string
  mqttPort: string
  mqttsPort?: string
  tlsCert?: string
  tlsKey?: string
  web?: string
  publicUrl?: string
}

/** --public-url: an http(s) URL without user, query or fragment, kept without a trailing slash. */
function publicUrlOf(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`--public-url must be a URL such as https://fleet.example.org, got "${text}"`)
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`--public-url must be an http:// or https:// URL without user, query or fragment, got "${text}"`)
  }
  return url.href.replace(/\/$/u, '')
}

const FREE_PORT = '0 picks a free one (the line printed at start says which)'

/** The --mqtt URL checked, and the login from --mqtt-credentials; a password typed in the URL is refused, never echoed. */
function externalBrokerLogin(options: StartOptions): Credentials | undefined {
  if (options.mqtt === undefined) {
    if (options.mqttCredentials !== undefined) throw new UsageError('--mqtt-credentials needs --mqtt (the embedded broker has its own login)')
    return undefined
  }
  if (!/^mqtts?:\/\/[^/\s]+/u.test(options.mqtt)) throw new UsageError(`--mqtt must be an mqtt:// or mqtts:// URL, got "${withoutCredentials(options.mqtt)}"`)
  if (withoutCredentials(options.mqtt) !== options.mqtt) {
    // a password on the command line shows in ps, shell history and every answer that repeats the URL
    throw new UsageError(`--mqtt must not carry a user name or password; put them in a file given by --mqtt-credentials (JSON {"username", "password"}, mode 0600)`)
  }
  if (options.mqttCredentials === undefined) return undefined
  try {
    return readBrokerCredentials(options.mqttCredentials)
  } catch (error) {
    if (error instanceof CredentialsError) throw new UsageError(`--mqtt-credentials: ${error.message}`)
    throw error
  }
}

/** The certificate and key of --tls-cert and --tls-key (both or neither), read once; a file that cannot be read is named. */
function tlsOf(options: StartOptions): { cert: Buffer; key: Buffer } | undefined {
  if (options.tlsCert === undefined && options.tlsKey === undefined) return undefined
  if (options.tlsCert === undefined || options.tlsKey === undefined) throw new UsageError('--tls-cert and --tls-key go together')
  const read = (option: string, path: string) => {
    try {
      return readFileSync(path)
    } catch (error) {
      throw new UsageError(`${option} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  return { cert: read('--tls-cert', options.tlsCert), key: read('--tls-key', options.tlsKey) }
}

export function registerStartCommand(program: Command): void {
  withMqttLimitOptions(program.command('start'))
    .description('run the fleet server: HTTP API and dashboard, MQTT ingest (embedded broker unless --mqtt)')
    .option('--port <n>', `HTTP port; ${FREE_PORT}`, String(DEFAULT_HTTP_PORT))
    .option('--host <host>', 'HTTP and embedded broker address', DEFAULT_HOST)
    .option('--db <file>', 'SQLite database', DEFAULT_DB_PATH)
    .option('--mqtt <url>', 'an external broker (mqtt:// or mqtts://), without user or password; without it an embedded broker runs')
    .option('--mqtt-credentials <file>', 'the server\'s login to the --mqtt broker: JSON {"username", "password"}, file mode 0600')
    .option('--mqtt-port <n>', `embedded broker port; ${FREE_PORT}`, String(DEFAULT_MQTT_PORT))
    .option('--tls-cert <file>', 'serve HTTPS (and mqtts with --mqtts-port) with this certificate chain, PEM; needs --tls-key')
    .option('--tls-key <file>', 'the private key of --tls-cert, PEM')
    .option('--mqtts-port <n>', `an mqtts listener of the embedded broker (needs --tls-cert): the URL gateways are given; ${FREE_PORT}`)
    .option('--public-url <url>', 'the URL gateways reach this server at, put in the provision command of enrolment tokens (default: the address the dashboard was opened at)')
    .option('--web <dir>', 'dashboard files served at / (default fleet-server/web)')
    .action(async (options: StartOptions) => {
      const port = parseInteger(options.port, '--port', 0, 65535)
      const mqttPort = parseInteger(options.mqttPort, '--mqtt-port', 0, 65535)
      const mqttCredentials = externalBrokerLogin(options)
      const tls = tlsOf(options)
      const mqttsPort = options.mqttsPort === undefined ? undefined : parseInteger(options.mqttsPort, '--mqtts-port', 0, 65535)
      if (mqttsPort !== undefined && (tls === undefined || options.mqtt !== undefined)) throw new UsageError('--mqtts-port needs --tls-cert and --tls-key, and the embedded broker (no --mqtt)')
      const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2))
      // loaded here so `user add` and `enroll-token` do not pay for the broker, MQTT and fastify
      const { startFleetServer } = await import('../server.ts')
      let server: FleetServer
      try {
        server = await startFleetServer({
          port, host: options.host, dbPath: options.db, mqttPort, logger,
          ...(options.mqtt !== undefined ? { mqttUrl: options.mqtt } : {}),
          ...(mqttCredentials !== undefined ? { mqttCredentials } : {}),
          ...(tls !== undefined ? { tls } : {}),
          ...(mqttsPort !== undefined ? { mqttsPort } : {}),
          ...(options.web !== undefined ? { webRoot: options.web } : {}),
          ...(options.publicUrl !== undefined ? { publicUrl: publicUrlOf(options.publicUrl) } : {}),
          mqttLimits: mqttLimitsOf(options),
        })
      } catch (error) {
        // a refusal of ours (an invalid regulation catalog) says itself: main.ts reports it
        if (error instanceof ProductError) throw error
        // system and SQLite errors (port taken, database unwritable) are the operator's to fix: no stack
        const { code, syscall, message } = error as NodeJS.ErrnoException
        if (syscall === 'listen') throw new RuntimeError(`cannot listen: ${message}`)
        if (typeof code === 'string' && nativeModuleFailure(error) === undefined) throw new RuntimeError(`cannot start: ${message}`)
        throw error
      }
      console.log(`fleet server listening on ${server.url} (mqtt ${server.mqttUrl})`)
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'stopping')
          process.off('SIGINT', stop).off('SIGTERM', stop)
          server.close().then(resolve, (error: unknown) => {
            logger.error({ err: error }, 'close failed')
            process.exitCode = 1
            resolve()
          })
        }
        process.on('SIGINT', stop).on('SIGTERM', stop)
      })
      logger.flush()
    })
}
