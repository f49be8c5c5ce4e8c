import type { Profile } from '../../../hardware-profiles/index.ts'
import {
  ILLEGAL_DATA_ADDRESS, ILLEGAL_FUNCTION, ModbusExceptionError, ModbusTimeoutError,
  type DeviceIdentity, type ServerIdReport,
} from '../../../protocols/modbus/index.ts'
import type { ModbusReply, ModbusRequest } from '../modbus/master.ts'
import { findFloats, type FloatFinding } from './floats.ts'
import { hexWords, matchIdentity, matchSignatures, signatureKey, signatureReads, type ProfileMatch } from './profile-match.ts'

export type Transact = (request: ModbusRequest, timeoutMs: number) => Promise<ModbusReply>

/** What a device told about itself, and the profiles that fit it. */
export interface Identification {
  identity?: DeviceIdentity
  serverId?: ServerIdReport
  /** one line per question asked and what came back */
  asked: string[]
  matches: ProfileMatch[]
  /** register pairs of an unknown device that read as floats in one word order */
  floats: FloatFinding[]
}

const why = (error: unknown): string => {
  if (error instanceof ModbusExceptionError) return `exception ${error.exceptionCode.toString(16).padStart(2, '0')}${error.exceptionCode === ILLEGAL_FUNCTION ? ' (not supported)' : error.exceptionCode === ILLEGAL_DATA_ADDRESS ? ' (no such registers)' : ''}`
  if (error instanceof ModbusTimeoutError) return 'no answer'
  return error instanceof Error ? error.message : String(error)
}

/**
 * Ask a found device who it is: FC 43/14 (basic and regular objects), else FC 17 (Report Server ID) and
 * the signature registers of every profile; a device nothing matched has its registers searched for floats.
 */
export async function identifyDevice(transact: Transact, unit: number, profiles: readonly Profile[], timeoutMs: number, betweenReads: () => Promise<void>): Promise<Identification> {
  const asked: string[] = []
  const ask = async <T>(label: string, request: ModbusRequest, describe: (reply: T) => string): Promise<T | undefined> => {
    try {
      const reply = (await transact(request, timeoutMs)) as T
      asked.push(`${label}: ${describe(reply)}`)
      return reply
    } catch (error) {
      asked.push(`${label}: ${why(error)}`)
      return undefined
    }
  }
  const result: Identification = { asked, matches: [], floats: [] }

  const identity = await ask<DeviceIdentity>('FC 43/14', { kind: 'identify', unit, objects: 'regular' }, (id) =>
    Object.entries(id).map(([key, value]) => `${key} "${value}"`).join(', ') || 'no objects')
  if (identity) {
    result.identity = identity
    result.matches = matchIdentity(profiles, identity)
    if (result.matches.length > 0) return result
  }

  const serverId = await ask<ServerIdReport>('FC 17', { kind: 'report-server-id', unit }, (report) =>
    `server id ${report.serverId.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}, ${report.running ? 'running' : 'stopped'}${report.text ? `, "${report.text}"` : ''}`)
  if (serverId) result.serverId = serverId

  const blocks = new Map<string, readonly number[] | undefined>()
  for (const block of signatureReads(profiles)) {
    const words = await ask<number[]>(`signature ${block.table} ${block.address}×${block.count}`, { kind: 'read', unit, ...block }, hexWords)
    blocks.set(signatureKey(block), words)
  }
  result.matches = matchSignatures(profiles, (block) => blocks.get(signatureKey(block)))
  if (result.matches.length > 0) return result

  result.floats = await findFloats(async (table, address, count) => {
    try {
      return (await transact({ kind: 'read', unit, table, address, count }, timeoutMs)) as number[]
    } catch {
      return undefined
    }
  }, betweenReads)
  return result
}
