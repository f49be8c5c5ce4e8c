import { fileURLToPath } from 'node:url'
import { MAX_PAYLOAD_BYTES } from '../../protocols/mqtt/index.ts'

/** Every default of the fleet server, in one place: the CLI, server.ts and the app read them from here. */
export const DEFAULT_HTTP_PORT = 8080
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_DB_PATH = './data/fleet.sqlite'
export const DEFAULT_MQTT_PORT = 1883

export const SESSION_COOKIE = 'fleet_session'
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000
export const ENROLL_TOKEN_HOURS = 24
export const MAX_ENROLL_TOKEN_HOURS = 24 * 30
export const MIN_PASSWORD_LENGTH = 8

/** series: default window and the most buckets one request may ask for */
export const SERIES_DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000
export const SERIES_MAX_POINTS = 10_000

/** the dashboard's files, served at / when present */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url))

/**
 * MQTT connection limits. A gateway's largest message is a payload of at most MAX_PAYLOAD_BYTES
 * (protocols/mqtt, what ingest accepts) plus its topic and headers: twice that leaves room and still
 * bounds what one packet can make the broker buffer. Before signing in a client sends a CONNECT
 * (user, password, client id and its last-will status) and little else.
 */
export const MQTT_LIMITS = {
  maxPacketBytes: 2 * MAX_PAYLOAD_BYTES,
  preAuthMaxBytes: 64 * 1024,
  maxConnections: 5000,
  // one address may be a NAT in front of a site's gateways, or the demo's on loopback
  maxConnectionsPerAddress: 100,
} as const

/** Failed sign-ins (HTTP login and MQTT) slow down, then lock: see mqtt/sign-in-throttle.ts. */
export const SIGN_IN_THROTTLE = {
  perUser: { freeFailures: 5, firstDelayMs: 1000, lockAfterFailures: 20, lockMs: 15 * 60_000, forgetAfterMs: 15 * 60_000 },
  // an address may carry many users (an office behind NAT): more failures before it slows down
  perAddress: { freeFailures: 20, firstDelayMs: 1000, lockAfterFailures: 100, lockMs: 15 * 60_000, forgetAfterMs: 15 * 60_000 },
} as const

/**
 * scrypt runs on libuv's thread pool (4 threads): gateway sign-ins get one at a time, people signing
 * in two, so a flood of MQTT CONNECTs cannot take the threads a login needs.
 */
export const HASH_CONCURRENCY = { people: 2, gateways: 1 } as const
