import type { Catalog } from '../compliance/catalog-schema.ts'
import type { CommandRecord } from '../model/index.ts'
import type { SignInPolicy } from '../mqtt/sign-in-throttle.ts'
import type { FleetStore } from '../store/types.ts'
import type { Health } from './health.schema.ts'

/** Sends commands to gateways (over MQTT in production) and reads their outcome. */
export interface CommandPort {
  send(gatewayId: string, name: string, args: Record<string, unknown>, by: string): Promise<CommandRecord>
  /** the command with its result once the gateway answered; undefined if unknown */
  result(id: string): CommandRecord | undefined
}

/** What every route plugin receives as its options. */
export interface RouteDeps {
  store: FleetStore
  commands: CommandPort
  health: () => Health
  clock: () => number
  /** the broker URL an enrolled gateway should connect to */
  mqttUrl: () => string
  /** the URL gateways reach this server at (`start --public-url`), when it is not the one the dashboard was opened at */
  publicUrl?: string
  /** the regulation catalog (seeds/regulations.yaml), loaded once at start */
  catalog: Catalog
  /** how failed logins slow down, then lock */
  signInPolicy: SignInPolicy
}
