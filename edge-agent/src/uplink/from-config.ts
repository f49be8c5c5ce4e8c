import type { ResolvedConfig } from '../config/index.ts'
import { readCaFile, readCredentials, type Credentials } from './credentials.ts'
import type { UplinkLogger, UplinkOutbox } from './options.ts'
import type { StatusFields } from './payloads.ts'
import type { Uplink } from './uplink.ts'

/** What the agent hands an uplink factory when it starts (the agent's UplinkFactory takes this). */
export interface UplinkContext {
  config: ResolvedConfig
  outbox: UplinkOutbox
  status: () => StatusFields
  logger: UplinkLogger
}

/**
 * The agent's one uplink factory: the MQTT uplink the config describes (broker URL, site and
 * gateway), its login read from the config's credentialsFile (mode 0600 enforced) unless
 * `credentials` are handed over in memory (the demo), its CA from caFile. mqtt.js is loaded only
 * when an uplink is built, so the commands that never connect do not pay for it.
 */
export function uplinkFromConfig(secrets: { credentials?: Credentials } = {}): (context: UplinkContext) => Promise<Uplink> {
  return async ({ config, outbox, status, logger }) => {
    const { Uplink } = await import('./uplink.ts')
    const uplink = config.uplink!
    const credentials = secrets.credentials ?? (uplink.credentialsFile !== undefined ? readCredentials(uplink.credentialsFile) : undefined)
    return new Uplink({
      url: uplink.url, site: config.gateway.site, gateway: config.gateway.id, outbox, status, logger,
      ...(credentials !== undefined && { credentials }),
      ...(uplink.caFile !== undefined && { ca: readCaFile(uplink.caFile) }),
    })
  }
}
