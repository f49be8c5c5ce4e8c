import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyCheckout, copyPackage } from '../../support/checkout-copy.ts'
import { run } from '../../support/processes.ts'

// A better-sqlite3 build missing for the running Node.js (npm ci under another Node, a copied
// checkout) must tell the user what is wrong and the command that fixes it: no stack trace.
// (What the programs print is formatted by protocols/cli: tests/protocols/cli/failure.test.ts.)

const scratch = mkdtempSync(join(tmpdir(), 'native-failure-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('the programs on a checkout whose better-sqlite3 has no build', () => {
  const tree = join(scratch, 'checkout')

  beforeAll(() => {
    // the sources copied, every package linked but better-sqlite3, copied without its build
    copyCheckout(tree, ['better-sqlite3'])
    copyPackage(tree, 'better-sqlite3', ['lib', 'package.json'])
  })

  const programs: [string, string[]][] = [
    ['edge-agent run', ['edge-agent/bin/edge-agent.js', 'run', '--config', 'examples/petrol-station.yaml']],
    ['fleet-server start', ['fleet-server/bin/fleet-server.js', 'start', '--port', '0', '--mqtt-port', '0', '--db', 'fleet.sqlite']],
    ['npm start (the demo)', ['--import', 'tsx', 'fleet-server/src/demo/main.ts', '--port', '0', '--mqtt-port', '0', '--data-dir', 'demo']],
  ]
  it.each(programs)('%s: what is wrong and `npm rebuild better-sqlite3`, exit 1, no stack trace', async (_name, args) => {
    const result = await run(process.execPath, args, { cwd: tree, timeoutMs: 60_000 })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toMatch(/: the native module better-sqlite3 is not built for this Node\.js \(.*\): no build of it was found\n/u)
    expect(result.stderr).toContain(`fix: npm rebuild better-sqlite3 (in ${tree})`)
    expect(result.stderr).not.toMatch(/^\s+at /mu)
  }, 70_000)
})
