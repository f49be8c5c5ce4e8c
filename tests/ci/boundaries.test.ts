import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// The layering of .dependency-cruiser.cjs, checked on the real tree, and proven to bite: a fixture
// tree breaking every rule once must be reported rule by rule.

const run = promisify(execFile)
const repo = resolve('.')
const depcruise = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const config = join(repo, '.dependency-cruiser.cjs')
const LAYERS = ['protocols', 'hardware-profiles', 'edge-agent', 'fleet-server']

interface Violation { rule: { name: string }; from: string; to: string; cycle?: { name: string }[] }

async function violations(cwd: string, roots: string[]): Promise<Violation[]> {
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way
  const { stdout } = await run(process.execPath, [depcruise, ...roots, '--config', config, '--output-type', 'json'], { cwd, maxBuffer: 64 << 20 })
    .catch((error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`depcruise failed: ${error.stderr}`)
      return { stdout: error.stdout }
    })
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations
}

const describeViolation = (v: Violation): string => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`

describe('the boundary rules', () => {
  it('hold on this repository: no violation', async () => {
    expect((await violations(repo, LAYERS)).map(describeViolation)).toEqual([])
  }, 120_000)

  const fixture = mkdtempSync(join(tmpdir(), 'boundaries-'))
  afterAll(() => rmSync(fixture, { recursive: true, force: true }))
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, allowJs: true, noEmit: true } }),
    'protocols/ok.ts': 'export const ok = 1\n',
    'protocols/uses-agent.ts': "import { x } from '../edge-agent/src/x.ts'\nexport const y = x\n",
    'protocols/reads-files.ts': "import { readFileSync } from 'node:fs'\nexport const read = readFileSync\n",
    'hardware-profiles/uses-server.ts': "import { y } from '../fleet-server/src/y.ts'\nexport const h = y\n",
    'edge-agent/src/x.ts': "import { y } from '../../fleet-server/src/y.ts'\nexport const x = y\n",
    'edge-agent/src/index.ts': "import { ok } from '../../protocols/ok.ts'\nexport const entry = ok\n",
    'edge-agent/src/internal.ts': 'export const internal = 1\n',
    'fleet-server/src/y.ts': "import { internal } from '../../edge-agent/src/internal.ts'\nexport const y = internal\n",
    'fleet-server/src/demo/composes.ts': "import { entry } from '../../../edge-agent/src/index.ts'\nimport { internal } from '../../../edge-agent/src/internal.ts'\nexport const d = entry + internal\n",
    'fleet-server/web/view.js': "import { ok } from '../../protocols/ok.ts'\nexport const v = ok\n",
    'fleet-server/web/types.d.ts': "export type { y } from '../src/y.ts'\n",
    'edge-agent/src/interlocks/machine.ts': "import { status } from '../safety/status.ts'\nexport const m = status\n",
    'edge-agent/src/safety/status.ts': 'export const status = 1\n',
    'fleet-server/src/store/rows.ts': "import type { SiteReply } from '../routes/sites.schema.ts'\nexport type Row = SiteReply\n",
    'fleet-server/src/routes/sites.schema.ts': 'export type SiteReply = { id: string }\n',
    'fleet-server/src/circle/one.ts': "import { two } from './two.ts'\nexport const one = () => two()\n",
    'fleet-server/src/circle/two.ts': "import { one } from './one.ts'\nexport const two = () => one()\n",
    'fleet-server/src/left/a.ts': "import { b } from '../right/b.ts'\nexport const a = b\n",
    'fleet-server/src/right/c.ts': "import { d } from '../left/d.ts'\nexport const c = d\n",
    'fleet-server/src/left/d.ts': 'export const d = 1\n',
    'fleet-server/src/right/b.ts': 'export const b = 1\n',
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(fixture, dirname(path)), { recursive: true })
    writeFileSync(join(fixture, path), text)
  }

  it('bite: a tree breaking each rule once is reported rule by rule', async () => {
    const found = (await violations(fixture, LAYERS)).map(describeViolation)
    const expected = [
      'protocols-import-nothing-of-ours: protocols/uses-agent.ts → edge-agent/src/x.ts',
      'protocols-do-no-io: protocols/reads-files.ts → fs',
      'hardware-profiles-import-only-protocols: hardware-profiles/uses-server.ts → fleet-server/src/y.ts',
      'edge-agent-never-imports-fleet-server: edge-agent/src/x.ts → fleet-server/src/y.ts',
      'fleet-server-never-imports-edge-agent: fleet-server/src/y.ts → edge-agent/src/internal.ts',
      'demo-uses-the-agents-public-entry-point: fleet-server/src/demo/composes.ts → edge-agent/src/internal.ts',
      'dashboard-ships-only-its-own-files: fleet-server/web/view.js → protocols/ok.ts',
      'pure-safety-cores: edge-agent/src/interlocks/machine.ts → edge-agent/src/safety/status.ts',
      'server-domain-knows-no-http: fleet-server/src/store/rows.ts → fleet-server/src/routes/sites.schema.ts',
    ]
    for (const violation of expected) expect(found).toContain(violation)
    expect(found.filter((v) => v.startsWith('no-circular: fleet-server/src/circle/'))).not.toEqual([])
    expect(found.filter((v) => v.startsWith('no-circular-folders: fleet-server/src/left') || v.startsWith('no-circular-folders: fleet-server/src/right'))).not.toEqual([])
    // nothing reported beyond what the fixture breaks on purpose
    const rules = new Set(found.map((v) => v.slice(0, v.indexOf(':'))))
    expect([...rules].sort()).toEqual([...new Set([...expected.map((v) => v.slice(0, v.indexOf(':'))), 'no-circular', 'no-circular-folders'])].sort())
    expect(found.filter((v) => v.includes('protocols/ok.ts →') || v.includes('demo/composes.ts → edge-agent/src/index.ts') || v.includes('web/types.d.ts'))).toEqual([])
  }, 120_000)
})
