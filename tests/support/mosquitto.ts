import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt'
import { ReferenceConsumer, type ConsumeResult } from '../../protocols/mqtt/index.ts'
import { freePort } from './ports.ts'
import { run, start, type ManagedProcess } from './processes.ts'
import { makeServerCertificate, makeTestCa, type CertificateFiles } from './test-ca.ts'
import { until } from './until.ts'

export const MOSQUITTO = '/usr/sbin/mosquitto'
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd'

export interface MosquittoOptions {
  /** listen on this port (default: a free one) */
  port?: number
  /** user name → password; when given, anonymous clients are refused */
  users?: Record<string, string>
  /** how long to wait for the listener (default 10 s) */
  readyTimeoutMs?: number
  /**
   * keep sessions and their queued messages across stop()/restart() (saved at SIGTERM): a
   * subscriber with a persistent session then misses nothing published while it reconnects
   */
  persistence?: boolean
  /** lines of an acl_file (e.g. `user gw-1`, `topic write fleet/v1/site-1/gw-1/#`) */
  acl?: string[]
  /** mqtts:// with a server certificate for 127.0.0.1 signed by a fresh test CA (see `caPem`); needs openssl */
  tls?: boolean
  /** no limit on the QoS 1 messages queued for a slow subscriber (mosquitto keeps 1,000 by default and drops the rest) */
  unlimitedQueue?: boolean
  /** QoS 1 messages sent to a client before its acknowledgements (mosquitto's default is 20) */
  maxInflightMessages?: number
}

/** Directories of brokers not yet disposed: removed at exit whatever happens to the test file. */
const leftovers = new Set<string>()
let hooked = false
function hookExit(): void {
  if (hooked) return
  hooked = true
  process.once('exit', () => {
    for (const dir of leftovers) rmSync(dir, { recursive: true, force: true })
  })
}

/**
 * A real mosquitto on 127.0.0.1 for one test file: generated config (no persistence, log to
 * stderr), optional password file. `stop()` and `restart()` keep the port, so clients can
 * reconnect to the same URL; `dispose()` stops it and removes its files.
 */
export class Mosquitto {
  readonly dir: string
  readonly configPath: string
  private proc: ManagedProcess | undefined
  private constructor(readonly port: number, dir: string, private readonly readyTimeoutMs: number) {
    this.dir = dir
    this.configPath = join(dir, 'mosquitto.conf')
  }

  /** the test CA that signed the server certificate (`tls: true`) */
  caPem: Buffer | undefined

  get url(): string {
    return `${this.caPem ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exit === undefined
  }

  /** The broker's log so far (all runs), for error messages. */
  log = ''

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    hookExit()
    const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'))
    leftovers.add(dir)
    const persistence = options.persistence
      ? ['persistence true', `persistence_location ${dir}/`, 'max_queued_messages 0', 'max_queued_bytes 0']
      : ['persistence false']
    const queue = [
      ...(options.unlimitedQueue && !options.persistence ? ['max_queued_messages 0', 'max_queued_bytes 0'] : []),
      ...(options.maxInflightMessages !== undefined ? [`max_inflight_messages ${options.maxInflightMessages}`] : []),
    ]
    const lines = [...persistence, ...queue, 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information']
    // running as root, mosquitto would switch to user "mosquitto", which cannot read our 0700 temp dir
    if (process.getuid?.() === 0) lines.push('user root')
    if (options.users && Object.keys(options.users).length > 0) {
      const passwordFile = join(dir, 'passwd')
      let first = true
      for (const [user, password] of Object.entries(options.users)) {
        const result = await run(MOSQUITTO_PASSWD, ['-b', ...(first ? ['-c'] : []), passwordFile, user, password], { timeoutMs: 10_000 })
        if (result.code !== 0) throw new Error(`mosquitto_passwd failed: ${result.stderr || result.stdout}`)
        first = false
      }
      lines.push(`password_file ${passwordFile}`, 'allow_anonymous false')
    } else {
      lines.push('allow_anonymous true')
    }
    if (options.acl) {
      writeFileSync(join(dir, 'acl'), `${options.acl.join('\n')}\n`)
      lines.push(`acl_file ${join(dir, 'acl')}`)
    }
    const tls = options.tls ? await makeTlsFiles(dir) : undefined
    if (tls) lines.push(`cafile ${tls.ca.cert}`, `certfile ${tls.server.cert}`, `keyfile ${tls.server.key}`)
    const fixedPort = options.port
    for (let attempt = 0; ; attempt++) {
      const port = fixedPort ?? (await freePort())
      const broker = new Mosquitto(port, dir, options.readyTimeoutMs ?? 10_000)
      if (tls) broker.caPem = readFileSync(tls.ca.cert)
      writeFileSync(broker.configPath, [`listener ${port} 127.0.0.1`, ...lines, ''].join('\n'))
      try {
        await broker.launch()
        return broker
      } catch (error) {
        // another process may have taken the free port in between: try another one
        if (fixedPort !== undefined || attempt >= 2) {
          rmSync(dir, { recursive: true, force: true })
          leftovers.delete(dir)
          throw error
        }
      }
    }
  }

  private async launch(): Promise<void> {
    const proc = start(MOSQUITTO, ['-c', this.configPath], { name: `mosquitto:${this.port}` })
    this.proc = proc
    proc.child.stderr!.on('data', (chunk: string) => {
      this.log += chunk
    })
    try {
      await until(`mosquitto accepting connections on 127.0.0.1:${this.port}`, async () => {
        if (proc.exit) throw new Error('mosquitto exited')
        return accepts(this.port)
      }, { timeoutMs: this.readyTimeoutMs, everyMs: 20 })
    } catch (error) {
      await proc.stop('SIGKILL')
      throw new Error(`mosquitto did not accept connections on 127.0.0.1:${this.port} (${(error as Error).message}): ${proc.describe()}`)
    }
  }

  /** SIGTERM, and wait for the exit. Safe when already stopped. */
  async stop(): Promise<void> {
    const proc = this.proc
    this.proc = undefined
    if (proc) await proc.stop('SIGTERM')
  }

  /** Start again on the same port (stopping first if running). */
  async restart(): Promise<void> {
    await this.stop()
    await this.launch()
  }

  /** Stop and remove the temp files. */
  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
    leftovers.delete(this.dir)
  }
}

export const startMosquitto = (options?: MosquittoOptions): Promise<Mosquitto> => Mosquitto.start(options)

async function makeTlsFiles(dir: string): Promise<{ ca: CertificateFiles; server: CertificateFiles }> {
  const ca = await makeTestCa(dir, 'ca')
  return { ca, server: await makeServerCertificate(dir, ca) }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

/** One message the watcher received, as the reference consumer judged it. */
export interface Arrival {
  topic: string
  retain: boolean
  payload: string
  result: ConsumeResult
}

export interface WatcherOptions {
  /** default: every protocol v1 topic */
  filter?: string
  username?: string
  password?: string
  /** the CA for an mqtts:// broker */
  ca?: Buffer
  /**
   * a persistent session under this client id (clean start off, long expiry): with a broker
   * started with `persistence: true`, nothing published while the watcher reconnects is missed
   */
  persistentId?: string
}

/**
 * What the fleet server would see: a subscriber (mqtt.js, v5, QoS 1) feeding every message to the
 * ReferenceConsumer of protocols/. `fresh` lists, per gateway and stream, the sequence numbers in
 * the order they were first accepted.
 */
export class FleetWatcher {
  readonly consumer = new ReferenceConsumer()
  readonly arrivals: Arrival[] = []
  readonly fresh = { telemetry: [] as number[], events: [] as number[] }

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const result = this.consumer.consume(topic, payload)
      this.arrivals.push({ topic, retain: packet.retain, payload: payload.toString('utf8'), result })
      if (result.ok && result.accepted.kind === 'telemetry') for (const s of result.accepted.samples) this.fresh.telemetry.push(s.seq)
      if (result.ok && result.accepted.kind === 'events') for (const e of result.accepted.events) this.fresh.events.push(e.seq)
    })
  }

  static async connect(url: string, options: WatcherOptions = {}): Promise<FleetWatcher> {
    const clientOptions: IClientOptions = {
      protocolVersion: 5, reconnectPeriod: 100, connectTimeout: 5000,
      ...(options.username !== undefined && { username: options.username, password: options.password }),
      ...(options.ca !== undefined && { ca: options.ca }),
      ...(options.persistentId !== undefined
        ? { clientId: options.persistentId, clean: false, properties: { sessionExpiryInterval: 3600 } }
        : { clean: true }),
    }
    const client = mqttConnect(url, clientOptions)
    client.on('error', () => undefined) // reconnects by itself; tests look at what arrives
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watcher could not connect to ${url}`)), 10_000)
      client.once('connect', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    const watcher = new FleetWatcher(client)
    await client.subscribeAsync(options.filter ?? 'fleet/v1/#', { qos: 1 })
    return watcher
  }

  /** Arrivals on topics ending in `/kind`. */
  of(kind: string): Arrival[] {
    return this.arrivals.filter((a) => a.topic.endsWith(`/${kind}`))
  }

  waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    return until(what, predicate, { timeoutMs, everyMs: 20 })
  }

  async close(): Promise<void> {
    await this.client.endAsync(true)
  }
}
