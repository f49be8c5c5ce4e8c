import type { Profile } from '../../../hardware-profiles/index.ts'
import type { DeviceIdentity, Table } from '../../../protocols/modbus/index.ts'

/** A profile a device matched, and what proved it. */
export interface ProfileMatch {
  profile: string
  evidence: string
}

/** One block of signature registers some profiles name. */
export interface SignatureRead {
  table: Table
  address: number
  count: number
}

/** One map key per signature block, for the reads made once and the profiles looking them up. */
export const signatureKey = (block: SignatureRead): string => `${block.table}:${block.address}:${block.count}`

export const hexWords = (words: readonly number[]): string => words.map((w) => `0x${w.toString(16).padStart(4, '0')}`).join(' ')
const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase()

/** Profiles whose FC 43/14 vendor and product code the device reported. */
export function matchIdentity(profiles: readonly Profile[], identity: DeviceIdentity): ProfileMatch[] {
  return profiles.flatMap((profile) => {
    const expected = profile.identification.deviceId
    if (!expected || !same(expected.vendorName, identity.vendorName) || !same(expected.productCode, identity.productCode)) return []
    const revision = identity.revision === undefined ? '' : same(expected.revision, identity.revision) ? `, revision ${identity.revision}` : `, revision ${identity.revision} (profile written for ${expected.revision})`
    return [{ profile: profile.id, evidence: `FC 43/14: vendor "${identity.vendorName}", product code "${identity.productCode}"${revision}` }]
  })
}

/** The distinct register blocks to read to test every profile's signature, once each. */
export function signatureReads(profiles: readonly Profile[]): SignatureRead[] {
  const reads = new Map<string, SignatureRead>()
  for (const profile of profiles) {
    const signature = profile.identification.signature
    if (!signature) continue
    const read = { table: signature.table, address: signature.address, count: signature.values.length }
    reads.set(signatureKey(read), read)
  }
  return [...reads.values()]
}

/** Profiles whose signature registers read exactly their values; `read` answers undefined for a block the device refused. */
export function matchSignatures(profiles: readonly Profile[], read: (block: SignatureRead) => readonly number[] | undefined): ProfileMatch[] {
  return profiles.flatMap((profile) => {
    const signature = profile.identification.signature
    if (!signature) return []
    const words = read({ table: signature.table, address: signature.address, count: signature.values.length })
    if (!words || words.some((w, i) => w !== signature.values[i])) return []
    return [{ profile: profile.id, evidence: `signature ${signature.table} ${signature.address} = ${hexWords(words)}` }]
  })
}
