import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

/**
 * What a user reads — the README, the OpenAPI document at /docs, the published JSON Schemas — names
 * no file outside the repository: not the design notes the project was built from (CONTRACT.md,
 * shared/…), and no `../` path that leaves the checkout or leads nowhere.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const OUTSIDE = [/CONTRACT\.md/u, /\bshared\//u]

/** the repository's directories, two levels deep: a `../` path in a doc is relative to one of them */
const DIRECTORIES = [ROOT, ...readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
  .flatMap((d) => [join(ROOT, d.name), ...readdirSync(join(ROOT, d.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(ROOT, d.name, e.name))])]

/** every reference to a file outside the repository in `text`: a name of one, or a `../` path no directory of the repository resolves to a file of it */
function outsideReferences(text: string): string[] {
  const found = OUTSIDE.flatMap((pattern) => [...text.matchAll(new RegExp(`[^\\s"'\`(]*${pattern.source}[^\\s"'\`)]*`, 'gu'))].map((m) => m[0]))
  for (const [path] of text.matchAll(/(?:\.\.\/)+[\w./-]+/gu)) {
    const inside = DIRECTORIES.some((dir) => {
      const target = resolve(dir, path)
      return !relative(ROOT, target).startsWith('..') && existsSync(target)
    })
    if (!inside) found.push(path)
  }
  return found
}

let f: Fixture
beforeAll(async () => { f = await fixture() })
afterAll(async () => { await f.close() })

describe('the docs stand alone', () => {
  it('the check finds what it must find', () => {
    expect(outsideReferences('see CONTRACT.md "Regulatory systems"; (shared/research/domain-facts.md) file: ../shared/seeds/plan.txt')).toEqual([
      'CONTRACT.md', 'shared/research/domain-facts.md', '../shared/seeds/plan.txt', '../shared/seeds/plan.txt',
    ])
    expect(outsideReferences('$schema=../edge-agent/config.schema.json and ../profile.schema.json, ../../etc/passwd')).toEqual(['../../etc/passwd'])
  })

  it('the OpenAPI document at /docs/json', async () => {
    const reply = await f.app.inject('/docs/json')
    expect(reply.statusCode).toBe(200)
    expect(outsideReferences(reply.body)).toEqual([])
  })

  it.each(['hardware-profiles/profile.schema.json', 'edge-agent/config.schema.json'])('the published %s', (file) => {
    expect(outsideReferences(readFileSync(join(ROOT, file), 'utf8'))).toEqual([])
  })

  it('README.md', () => {
    expect(outsideReferences(readFileSync(join(ROOT, 'README.md'), 'utf8'))).toEqual([])
  })
})
