import { fileURLToPath } from 'node:url'

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
