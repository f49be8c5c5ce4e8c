import { createHmac, timingSafeEqual } from 'node:crypto'
import type { AuditEntry, AuditRecord, Scope } from '../model/index.ts'

export type { AuditEntry, AuditRecord } from '../model/index.ts'

/**
 * The audit log's chain: each entry's hash is an HMAC-SHA256, under the server's audit key, of its
 * content and the previous entry's hash. Editing, inserting or deleting an entry breaks the links after
 * it; rewriting the whole chain needs the key (a file of its own, mode 0600, not in the database); the
 * head (the last entry's seq and hash, kept beside the key) shows entries cut from the end.
 */

/** What the rest of the server sees of the audit log: it records, and reads what a scope may see. */
export interface AuditTrail {
  /** appended at once, in its own transaction; `at` defaults to now */
  record(record: Omit<AuditRecord, 'at'> & { at?: number }): AuditEntry
  list(scope: Scope, filter?: { limit?: number; beforeSeq?: number }): AuditEntry[]
}

export interface AuditHead {
  seq: number
  hash: string
}

export interface ChainProblem {
  seq: number
  problem: string
}

export const GENESIS_HASH = '0'.repeat(64)

/** Keys in a fixed order at every depth, so an entry hashes the same however its object was built. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    return `{${fields.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function hashOf(key: Buffer, seq: number, prevHash: string, record: AuditRecord): string {
  const { at, actor, action, siteId, subject, detail } = record
  return createHmac('sha256', key).update(canonical({ seq, prevHash, at, actor, action, siteId: siteId ?? null, subject, detail })).digest('hex')
}

/** The entry that follows `previous` (undefined: the first). */
export function chainEntry(key: Buffer, previous: AuditEntry | undefined, record: AuditRecord): AuditEntry {
  const seq = (previous?.seq ?? 0) + 1
  const prevHash = previous?.hash ?? GENESIS_HASH
  return { ...record, seq, prevHash, hash: hashOf(key, seq, prevHash, record) }
}

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

const missing = (from: number, to: number) => (from === to ? `entry ${from} is missing (deleted)` : `entries ${from} to ${to} are missing (deleted)`)

/** Every break in `entries` (in seq order, as read): edited, missing or inserted entries, and a head the chain does not end with. */
export function verifyChain(key: Buffer, entries: readonly AuditEntry[], head: AuditHead | undefined): ChainProblem[] {
  const problems: ChainProblem[] = []
  let expectedSeq = 1
  let previousHash = GENESIS_HASH
  for (const entry of entries) {
    if (entry.seq > expectedSeq) problems.push({ seq: expectedSeq, problem: missing(expectedSeq, entry.seq - 1) })
    else if (entry.seq < expectedSeq) problems.push({ seq: entry.seq, problem: `entry ${entry.seq} appears again (inserted)` })
    if (!sameHash(hashOf(key, entry.seq, entry.prevHash, entry), entry.hash)) {
      problems.push({ seq: entry.seq, problem: `entry ${entry.seq} was edited: its hash does not match its content` })
    } else if (entry.seq >= expectedSeq && entry.seq === expectedSeq && !sameHash(entry.prevHash, previousHash)) {
      problems.push({ seq: entry.seq, problem: `entry ${entry.seq} does not follow entry ${entry.seq - 1} (inserted, or the one before it was replaced)` })
    }
    expectedSeq = Math.max(expectedSeq, entry.seq + 1)
    previousHash = entry.hash
  }
  const last = entries.at(-1)
  if (head && head.seq > (last?.seq ?? 0)) problems.push({ seq: (last?.seq ?? 0) + 1, problem: missing((last?.seq ?? 0) + 1, head.seq) })
  else if (head && last && head.seq === last.seq && !sameHash(head.hash, last.hash)) {
    problems.push({ seq: last.seq, problem: `entry ${last.seq} is not the one the head recorded (the chain was rewritten)` })
  }
  return problems
}
