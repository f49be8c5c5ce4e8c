import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { declaredPackages, failingPackages } from '../support/system-packages.js'

const packages = declaredPackages()
const commands = packages.flatMap((p) => p.checks.map((c) => c.run.join(' ')))

const scratch = mkdtempSync(join(tmpdir(), 'system-packages-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name) && !entry.parentPath.includes('node_modules'))
    .map((entry) => join(entry.parentPath, entry.name))
}

describe('the Debian packages the tests need', () => {
  it('all pass their functional checks here (npm test installed them first)', () => {
    expect(failingPackages(packages)).toEqual([])
  })

  it('catches a package that is present but incomplete: pymodbus without serial_asyncio', () => {
    // a module that fails to import, shadowing the real one, is what a machine without the
    // "Recommends: python3-serial-asyncio" of python3-pymodbus looks like to the RTU server
    writeFileSync(join(scratch, 'serial_asyncio.py'), 'raise ImportError("No module named serial_asyncio (simulated)")\n')
    const failing = failingPackages(packages, { ...process.env, PYTHONPATH: scratch })
    expect(failing.map((f) => f.name).sort()).toEqual(['python3-pymodbus', 'python3-serial-asyncio'])
    expect(failing[0]!.why).toMatch(/serial_asyncio \(simulated\)/u)
  })

  it('catches a binary that is not there', () => {
    const broken = [{ name: 'socat', why: 'test', checks: [{ run: [join(scratch, 'no-such-socat'), '-V'], expect: 'socat version' }] }]
    expect(failingPackages(broken)).toEqual([{ name: 'socat', why: `${join(scratch, 'no-such-socat')} -V: not found` }])
  })

  it('declares a check for every system binary the tests and CI start', () => {
    const sources = [...filesUnder('tests', /\.ts$/u), ...filesUnder('.ci', /^(run|[^.]+\.(sh|mjs))$/u)]
    const binaries = new Set(sources.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/['"](\/usr\/s?bin\/[\w.+-]+)['"]/gu)].map((m) => m[1]!)))
    expect(binaries.size).toBeGreaterThan(4)
    const unchecked = [...binaries].filter((binary) => !commands.some((command) => command.startsWith(`${binary} `)))
    expect(unchecked).toEqual([])
  })

  it('declares an import check for every module the pymodbus scripts import from Debian', () => {
    const dir = 'tests/support/pymodbus'
    const local = new Set(readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3)))
    const stdlib = new Set(spawnSync('/usr/bin/python3', ['-c', 'import sys; print("\\n".join(sys.stdlib_module_names))'], { encoding: 'utf8' }).stdout.split('\n'))
    expect(stdlib.has('asyncio')).toBe(true)
    const imported = new Set(filesUnder(dir, /\.py$/u).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^(?:from|import) ([\w]+)/gmu)].map((m) => m[1]!)))
    const foreign = [...imported].filter((module) => !stdlib.has(module) && !local.has(module))
    expect(foreign).toContain('pymodbus')
    const unchecked = foreign.filter((module) => !commands.some((command) => new RegExp(`import [\\w., ]*\\b${module}\\b`, 'u').test(command)))
    expect(unchecked).toEqual([])
  })
})
