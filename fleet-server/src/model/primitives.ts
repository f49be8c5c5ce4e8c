import Type from 'typebox'
import { QUALITIES } from '../../../protocols/quality.ts'
import { SYSTEM_IDS } from '../../../hardware-profiles/schema.ts'

/**
 * The pieces every record and request schema of the fleet server is built from. Times are epoch
 * milliseconds UTC; dates are YYYY-MM-DD in Asia/Shanghai.
 */

export function literals<const V extends string[]>(values: readonly [...V], description?: string) {
  return Type.Enum<V>(values, description === undefined ? {} : { description })
}

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const Id = Type.String({ minLength: 1, maxLength: 64 })
export const Ts = Type.Integer({ minimum: 0, description: 'epoch milliseconds UTC' })
export const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD (Asia/Shanghai)' })
export const Value = Type.Union([Type.Number(), Type.Boolean(), Type.String(), Type.Null()])
export const Quality = literals([...QUALITIES] as ['good', 'comm-fail', 'device-fault', 'out-of-range', 'warming-up', 'stale'])
export const Bilingual = Type.Object({ zh: Type.String(), en: Type.String() })
export const SystemId = Type.String({ minLength: 1, maxLength: 64, description: `regulatory system id, one of ${SYSTEM_IDS.join(', ')}` })
export const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$'
export const Month = Type.String({ pattern: MONTH_PATTERN, description: 'a calendar month, YYYY-MM (Asia/Shanghai)' })
/** a gateway id as it appears in its MQTT topic root */
export const GatewayId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'gateway id, as in its MQTT topic root' })
