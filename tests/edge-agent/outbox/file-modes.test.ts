/** The outbox file holds the gateway's whole record: only the agent's account may read it (issue 15, hole 10). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'

let dir: string
const mode = (path: string) => statSync(path).mode & 0o777
const octal = (m: number) => m.toString(8)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-modes-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

it('a new outbox.sqlite is 0600 (and its WAL), in a folder the agent creates 0700', () => {
  const folder = join(dir, 'data', 'buffer')
  const outbox = new Outbox({ path: join(folder, 'outbox.sqlite') })
  outbox.commitEvent({ type: 'agent-started', ts: 1, version: '1', configHash: 'h' })
  expect(octal(mode(join(folder, 'outbox.sqlite')))).toBe('600')
  expect(octal(mode(join(folder, 'outbox.sqlite-wal')))).toBe('600')
  expect(octal(mode(folder))).toBe('700')
  expect(octal(mode(join(dir, 'data')))).toBe('700')
  outbox.close()
})

it('an outbox.sqlite left 0644 by an older agent is made 0600 when opened', () => {
  const folder = join(dir, 'old')
  mkdirSync(folder)
  new Outbox({ path: join(folder, 'outbox.sqlite') }).close()
  chmodSync(join(folder, 'outbox.sqlite'), 0o644)
  writeFileSync(join(folder, 'outbox.sqlite-wal'), '')
  chmodSync(join(folder, 'outbox.sqlite-wal'), 0o644)
  const outbox = new Outbox({ path: join(folder, 'outbox.sqlite') })
  expect(octal(mode(join(folder, 'outbox.sqlite')))).toBe('600')
  expect(octal(mode(join(folder, 'outbox.sqlite-wal')))).toBe('600')
  outbox.close()
})
