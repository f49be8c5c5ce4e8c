import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chainEntry, GENESIS_HASH, verifyChain, type AuditEntry, type AuditRecord } from '../../../fleet-server/src/audit/chain.ts'

const KEY = Buffer.alloc(32, 7)

const record = (i: number): AuditRecord => ({ at: 1_767_225_600_000 + i * 1000, actor: i % 2 ? 'admin' : 'gateway:gw1', action: 'login', siteId: i % 3 ? 'site-a' : undefined, subject: `s${i}`, detail: { n: i, note: 'x'.repeat(i % 5) } })

function chain(n: number, key = KEY): AuditEntry[] {
  const entries: AuditEntry[] = []
  for (let i = 0; i < n; i++) entries.push(chainEntry(key, entries.at(-1), record(i)))
  return entries
}

const head = (entries: AuditEntry[]) => entries.length ? { seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash } : undefined

describe('the audit chain', () => {
  it('numbers entries from 1, each linked to the previous one', () => {
    const entries = chain(3)
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH)
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash)
    expect(new Set(entries.map((e) => e.hash)).size).toBe(3)
  })

  it('an untouched chain verifies, with or without its head', () => {
    const entries = chain(20)
    expect(verifyChain(KEY, entries, head(entries))).toEqual([])
    expect(verifyChain(KEY, entries, undefined)).toEqual([])
    expect(verifyChain(KEY, [], undefined)).toEqual([])
  })

  it('finds an edited field of any entry', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom('at', 'actor', 'action', 'siteId', 'subject', 'detail'), (index, field) => {
      const entries = chain(10)
      const edited = { ...entries[index]!, [field]: field === 'at' ? 1 : field === 'detail' ? { n: -1 } : 'forged' } as AuditEntry
      entries[index] = edited
      const problems = verifyChain(KEY, entries, head(entries))
      expect(problems.map((p) => p.seq)).toContain(index + 1)
      expect(problems.find((p) => p.seq === index + 1)!.problem).toMatch(/edited/u)
    }))
  })

  it('finds a deleted entry in the middle, and deleted entries at the end against the head', () => {
    const entries = chain(10)
    const anchor = head(entries)
    const middle = entries.filter((e) => e.seq !== 5)
    expect(verifyChain(KEY, middle, anchor).map((p) => p.problem)).toEqual([expect.stringMatching(/entry 5 is missing/u)])
    const tail = entries.slice(0, 7)
    expect(verifyChain(KEY, tail, anchor).map((p) => p.problem)).toEqual([expect.stringMatching(/entries 8 to 10 are missing/u)])
  })

  it('finds an inserted entry, even one hashed with the right key but not linked in', () => {
    const entries = chain(6)
    const forged = chainEntry(KEY, entries[2], { ...record(99), actor: 'forged' })
    const withInsert = [...entries.slice(0, 3), forged, ...entries.slice(3).map((e) => ({ ...e }))]
    expect(verifyChain(KEY, withInsert, head(entries)).length).toBeGreaterThan(0)
  })

  it('a chain rewritten without the key does not verify', () => {
    const entries = chain(5)
    const rewritten = chain(5, Buffer.alloc(32, 9)).map((e, i) => ({ ...e, actor: i === 2 ? 'forged' : e.actor }))
    expect(verifyChain(KEY, rewritten, head(rewritten)).length).toBeGreaterThan(0)
    expect(verifyChain(KEY, entries, head(entries))).toEqual([])
  })

  it('the head names an entry the chain does not end with', () => {
    const entries = chain(4)
    expect(verifyChain(KEY, entries, { seq: 4, hash: 'f'.repeat(64) }).map((p) => p.problem)).toEqual([expect.stringMatching(/head/u)])
  })
})
