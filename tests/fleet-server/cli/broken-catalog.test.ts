import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCatalog } from '../../../fleet-server/src/compliance/catalog.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'
import { copyCheckout } from '../../support/checkout-copy.ts'
import { run } from '../../support/processes.ts'

// A mistake in seeds/regulations.yaml is the operator's to fix, like a mistake in a gateway config:
// the real fleet-server program prints each problem as FILE:LINE:COL key.path: message and exits 2,
// with no stack trace. The catalog is found beside the program, so the program runs from a copy of
// the checkout whose catalog the test breaks.

const scratch = mkdtempSync(join(tmpdir(), 'broken-catalog-'))
const tree = join(scratch, 'checkout')
const catalogFile = join(tree, 'seeds', 'regulations.yaml')
let original: string

beforeAll(() => {
  copyCheckout(tree)
  original = readFileSync(catalogFile, 'utf8')
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The catalog of the copy broken by replacing `from` with `to`, and the lines its located problems print as. */
function breakCatalog(from: string, to: string): string[] {
  if (!original.includes(from)) throw new Error(`the catalog has no "${from}" to break`)
  const text = original.replace(from, to)
  writeFileSync(catalogFile, text)
  const { problems } = parseCatalog(catalogFile, text)
  if (problems.length === 0) throw new Error(`replacing "${from}" with "${to}" breaks nothing`)
  return problems.map(formatProblem)
}

const fleetServer = (args: string[]) => run(process.execPath, ['fleet-server/bin/fleet-server.js', ...args], { cwd: tree, timeoutMs: 60_000 })
/** stderr without the server's JSON log lines (the broker and the ingest start before the app loads the catalog) */
const printed = (stderr: string): string => stderr.split('\n').filter((line) => !line.startsWith('{"level":')).join('\n')
const START = ['start', '--port', '0', '--mqtt-port', '0', '--db', join(scratch, 'fleet.sqlite')]

describe('fleet-server with a broken seeds/regulations.yaml', () => {
  it('start, the YAML not even parsing: the syntax error located, exit 2', async () => {
    const expected = breakCatalog('systems: [gnss-recorder]', 'systems: [gnss-recorder')
    expect(expected[0]).toMatch(new RegExp(`^${catalogFile.replaceAll('.', '\\.')}:\\d+:\\d+ `, 'u'))
    const result = await fleetServer(START)
    expect(result.code, result.stderr).toBe(2)
    expect(printed(result.stderr)).toBe(`${expected.join('\n')}\n`)
  }, 70_000)

  it('start, a value the schema refuses: FILE:LINE:COL key.path: message, exit 2', async () => {
    const expected = breakCatalog('periodYears: 3', 'periodYears: three')
    expect(expected).toEqual([expect.stringMatching(/^.*\/seeds\/regulations\.yaml:\d+:\d+ rules\[0\]\.periodYears: must be integer,null$/u)])
    const result = await fleetServer(START)
    expect(result.code, result.stderr).toBe(2)
    expect(printed(result.stderr)).toBe(`${expected.join('\n')}\n`)
  }, 70_000)

  it('user add of a regulator, whose township is looked up in the catalog: the same lines, exit 2', async () => {
    const expected = breakCatalog('periodYears: 3', 'periodYears: three')
    writeFileSync(join(scratch, 'pw'), 'a long enough password\n')
    const result = await fleetServer(['user', 'add', '--name', 'reg', '--role', 'regulator', '--jurisdiction', '涌山镇',
      '--password-file', join(scratch, 'pw'), '--db', join(scratch, 'users.sqlite')])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toBe(`${expected.join('\n')}\n`)
  }, 70_000)
})
