import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// knip (knip.json): no file, export, type or dependency that nothing uses. Checked on the real tree,
// and proven to bite on a fixture with one dead export.

const run = promisify(execFile)
const knip = resolve('node_modules/knip/bin/knip.js')

interface FileIssues { file: string; files: unknown[]; exports: { name: string }[]; types: { name: string }[]; dependencies: { name: string }[]; devDependencies: { name: string }[]; unlisted: { name: string }[]; binaries: { name: string }[] }

async function deadCode(cwd: string): Promise<string[]> {
  // knip exits 1 when it finds something; the JSON report is on stdout either way
  const { stdout } = await run(process.execPath, [knip, '--reporter', 'json', '--no-progress'], { cwd, maxBuffer: 64 << 20 })
    .catch((error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`knip failed: ${error.stderr}`)
      return { stdout: error.stdout }
    })
  const report = JSON.parse(stdout) as { issues: FileIssues[] }
  return report.issues.flatMap((issue) => [
    ...issue.files.map(() => `${issue.file}: unused file`),
    ...(['exports', 'types', 'dependencies', 'devDependencies', 'unlisted', 'binaries'] as const)
      .flatMap((kind) => issue[kind].map((item) => `${issue.file}: ${kind} ${item.name}`)),
  ])
}

describe('dead code (knip)', () => {
  it('none in this repository', async () => {
    expect(await deadCode(resolve('.'))).toEqual([])
  }, 120_000)

  const fixture = mkdtempSync(join(tmpdir(), 'dead-code-'))
  afterAll(() => rmSync(fixture, { recursive: true, force: true }))
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fixture', type: 'module' }),
    'tsconfig.json': JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }),
    'knip.json': JSON.stringify({ entry: ['src/main.ts'], project: ['src/**/*.ts'], ignoreExportsUsedInFile: true }),
    'src/main.ts': "import { used } from './lib.ts'\nconsole.log(used)\n",
    'src/lib.ts': 'export const used = 1\nexport const forgotten = 2\n',
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(fixture, path)), { recursive: true })
    writeFileSync(join(fixture, path), text)
  }

  it('bites: a fixture with one export nobody imports is reported', async () => {
    expect(await deadCode(fixture)).toEqual(['src/lib.ts: exports forgotten'])
  }, 120_000)
})
