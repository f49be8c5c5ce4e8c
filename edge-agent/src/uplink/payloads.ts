import { InventorySchema, StatusSchema, type Inventory, type Status } from '../../../protocols/mqtt/index.ts'
import { createValidator, firstErrorText } from '../../../protocols/validation/ajv.ts'
import { ProductError } from '../../../protocols/errors.ts'

/** What the agent reports in its online status; the uplink adds v, gw, state and ts. */
export type StatusFields = Omit<Status, 'v' | 'gw' | 'state' | 'ts'>

const validateStatus = createValidator<Status>(StatusSchema)
const validateInventory = createValidator<Inventory>(InventorySchema)

/** A payload the agent built that breaks its schema in protocols/ (a bug, not a network problem). */
export class PayloadError extends ProductError {
  override readonly name = 'PayloadError'
  readonly code = 'PAYLOAD_INVALID'
}

const firstError = (validate: { errors?: Parameters<typeof firstErrorText>[0] }): string => firstErrorText(validate.errors)

/**
 * The status payload. The fields are checked against the schema; if they break it, the status is
 * sent with v, gw, state and ts only (the server still learns the gateway is online) and a warning logged.
 */
export function statusPayload(gateway: string, state: 'online' | 'offline', ts: number, fields: StatusFields = {}, logger?: { warn: (fields: unknown, message?: string) => void }): Status {
  const base: Status = { v: 1, gw: gateway, state, ts }
  const { agentVersion, configHash, uptimeS, bufferDepth, buses } = fields
  const full: Status = {
    ...base,
    ...(agentVersion !== undefined && { agentVersion }),
    ...(configHash !== undefined && { configHash }),
    ...(uptimeS !== undefined && { uptimeS }),
    ...(bufferDepth !== undefined && { bufferDepth }),
    ...(buses !== undefined && { buses }),
  }
  if (validateStatus(full)) return full
  logger?.warn({ detail: firstError(validateStatus) }, `uplink: status fields break the schema (${firstError(validateStatus)}); sending state only`)
  return base
}

/** Throws a PayloadError naming the first problem when the inventory breaks InventorySchema. */
export function checkInventory(inventory: Inventory): void {
  if (!validateInventory(inventory)) throw new PayloadError(`inventory breaks the schema: ${firstError(validateInventory)}`)
}
