import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

// The dashboard (fleet-server/web/, plain JavaScript the browser loads as it is) is typed with JSDoc
// from the API's schemas and checked by tsc. Integration test: it spawns the compiler.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const WEB = join(ROOT, 'fleet-server/web')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const CHECK_MS = 120_000

interface Run { code: number | null; output: string }

function tsc(project: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', project], { cwd: ROOT, timeout: CHECK_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: stdout + stderr })
    })
  })
}

let scratch: string | undefined
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

describe("the dashboard's type check", () => {
  it('passes: every API call and view matches the schemas', async () => {
    expect(await tsc('fleet-server/web/tsconfig.json')).toEqual({ code: 0, output: '' })
  }, CHECK_MS)

  it('fails on a view that reads a field the API does not send', async () => {
    // two copies of the overview, their imports pointed at the dashboard's files, one reading the
    // site's "township", which SiteSummary does not have; a tsconfig extending the dashboard's checks
    // just these two. Outside fleet-server/web, so nothing else ever sees them.
    scratch = mkdtempSync(join(ROOT, 'tests/ci/.dashboard-types-'))
    const web = relative(scratch, WEB).split(sep).join('/')
    const source = readFileSync(join(WEB, 'views/overview.js'), 'utf8').replaceAll("'../", `'${web}/`)
    const read = "h('td', {}, site.jurisdiction),"
    expect(source).toContain(read)
    writeFileSync(join(scratch, 'overview.js'), source)
    writeFileSync(join(scratch, 'overview-township.js'), source.replace(read, "h('td', {}, site.township),"))
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({
      extends: `${web}/tsconfig.json`, files: ['overview.js', 'overview-township.js'], include: [],
    }))

    const run = await tsc(relative(ROOT, join(scratch, 'tsconfig.json')))

    expect(run.code).toBe(2)
    const errors = run.output.split('\n').filter((line) => /error TS\d+/.test(line))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/overview-township\.js\(\d+,\d+\): error TS2339: Property 'township' does not exist on type/)
  }, CHECK_MS)
})
