import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../edge-agent/src/config/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'
import { run, type RunResult } from '../../support/processes.ts'

/**
 * The broken-config corpus: every file in broken/ holds one kind of mistake and says, in its
 * leading `# expect: [FILE:]LINE:COL [key.path: ]message-substring` lines, every problem the
 * check must report for it — no more, no fewer. FILE (for problems inside a profile the config
 * names) is relative to broken/.
 */

const ROOT = join(import.meta.dirname, '../../..')
const BIN = join(ROOT, 'edge-agent/bin/edge-agent.js')
const CORPUS = 'tests/edge-agent/config/broken'
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/mu

interface Expectation {
  file: string
  line: number
  column: number
  path: string
  message: string
}

const corpus = readdirSync(join(ROOT, CORPUS)).filter((n) => n.endsWith('.yaml')).sort()

function expectationsOf(file: string, text: string): Expectation[] {
  const header = text.split('\n').filter((line, i, lines) => lines.slice(0, i + 1).every((l) => l.startsWith('#')))
  return header.filter((line) => line.startsWith('# expect: ')).map((line) => {
    const match = /^# expect: (?:(\S+\.yaml):)?(\d+):(\d+) (?:([A-Za-z$][\w$.[\]-]*): )?(.+)$/u.exec(line)
    if (!match) throw new Error(`${file}: malformed expectation "${line}"`)
    return {
      file: match[1] ? `${CORPUS}/${match[1]}` : file,
      line: Number(match[2]),
      column: Number(match[3]),
      path: match[4] ?? '',
      message: match[5]!,
    }
  })
}

const describeExpectation = (e: Expectation) => `${e.file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}${e.message}`
const matches = (e: Expectation, line: string) => line.startsWith(`${e.file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}`) && line.includes(e.message)

/** Each expectation matched by its own output line, and no output line left over. */
function expectExactly(expectations: readonly Expectation[], lines: readonly string[]): void {
  const unmatched = [...lines]
  for (const e of expectations) {
    const i = unmatched.findIndex((line) => matches(e, line))
    expect(i, `expected "${describeExpectation(e)}" in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0)
    unmatched.splice(i, 1)
  }
  expect(unmatched, 'problems nobody expected').toEqual([])
}

const edgeAgent = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: ROOT, timeoutMs: 60_000 })

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = []
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

describe('the broken-config corpus', () => {
  it('holds at least 30 files, each with expectations', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30)
    for (const name of corpus) {
      const file = `${CORPUS}/${name}`
      expect(expectationsOf(file, readFileSync(join(ROOT, file), 'utf8')).length, name).toBeGreaterThan(0)
    }
  })

  it.each(corpus)('parseConfig reports exactly what %s expects', (name) => {
    const file = `${CORPUS}/${name}`
    const text = readFileSync(join(ROOT, file), 'utf8')
    const { config, problems, warnings = [] } = parseConfig(file, text)
    expect(config).toBeUndefined()
    expectExactly(expectationsOf(file, text), [...problems, ...warnings].map(formatProblem))
  })

  it('edge-agent check exits 2 on every file, printing the expected lines and no stack trace', { timeout: 300_000 }, async () => {
    const results = await mapLimited(corpus, Math.max(2, Math.min(4, availableParallelism())), async (name): Promise<[string, RunResult]> =>
      [name, await edgeAgent('check', '--config', `${CORPUS}/${name}`)])
    for (const [name, result] of results) {
      const file = `${CORPUS}/${name}`
      expect(result.code, `${name}: ${result.stderr}`).toBe(2)
      expect(result.stderr, name).not.toMatch(STACK_LINE)
      expect(result.stdout, name).toBe('')
      expectExactly(expectationsOf(file, readFileSync(join(ROOT, file), 'utf8')), result.stderr.trimEnd().split('\n'))
    }
  })
})

/**
 * Configs that are valid but worth a word: every file in warnings/ says, as the broken ones do, every
 * warning the check must print for it (`# expect: LINE:COL key.path: warning: …`) — and the check exits 0.
 */
const WARNINGS = 'tests/edge-agent/config/warnings'
const warned = readdirSync(join(ROOT, WARNINGS)).filter((n) => n.endsWith('.yaml')).sort()

describe('the warnings corpus', () => {
  it('holds files, each with expectations that are all warnings', () => {
    expect(warned.length).toBeGreaterThanOrEqual(3)
    for (const name of warned) {
      const expectations = expectationsOf(`${WARNINGS}/${name}`, readFileSync(join(ROOT, WARNINGS, name), 'utf8'))
      expect(expectations.length, name).toBeGreaterThan(0)
      for (const e of expectations) expect(e.message, name).toMatch(/^warning: /u)
    }
  })

  it.each(warned)('parseConfig accepts %s and warns exactly what it expects', (name) => {
    const file = `${WARNINGS}/${name}`
    const text = readFileSync(join(ROOT, file), 'utf8')
    const { config, problems, warnings = [] } = parseConfig(file, text)
    expect(problems.map(formatProblem)).toEqual([])
    expect(config).toBeDefined()
    expectExactly(expectationsOf(file, text), warnings.map(formatProblem))
  })

  it('edge-agent check exits 0 on every file: the warnings, located, on stderr; the summary, with their count, on stdout', { timeout: 120_000 }, async () => {
    for (const name of warned) {
      const file = `${WARNINGS}/${name}`
      const result = await edgeAgent('check', '--config', file)
      expect(result.code, `${name}: ${result.stderr}`).toBe(0)
      expect(result.stderr, name).not.toMatch(STACK_LINE)
      const expectations = expectationsOf(file, readFileSync(join(ROOT, file), 'utf8'))
      expectExactly(expectations, result.stderr.trimEnd().split('\n'))
      const count = expectations.length
      expect(result.stdout, name).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}: valid, ${count} warning${count === 1 ? '' : 's'} — gateway gw1 at site site1\n`, 'u'))
    }
  })
})

describe('edge-agent check', () => {
  it('says which file it cannot read', async () => {
    const result = await edgeAgent('check', '--config', 'examples/no-such-site.yaml')
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe('examples/no-such-site.yaml:1:1 cannot read: ENOENT')
  })

  it('summarises a valid config with the wire load of each RTU bus, what armed reads leave the others, and each interlock\'s worst-case trip', async () => {
    const result = await edgeAgent('check', '--config', 'examples/coal-mine.yaml')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^examples\/coal-mine\.yaml: valid — gateway yongshan-coal-gw1 at site leping-yongshan-coal/u)
    expect(result.stdout).toMatch(/4 buses \(2 rtu, 2 tcp\), 8 devices, 2 interlocks/u)
    expect(result.stdout).toMatch(/^ {2}bus rs485-1 +rtu \/tmp\/leping\/coal-rs485-1 9600 8N1 +5 devices +wire load 0\.\d\d s\/s, cycle at least \d+ ms; armed reads ≤ 50 %, others keep their periods$/mu)
    expect(result.stdout).toMatch(/^ {2}bus positioning +tcp 127\.0\.0\.1:5021 +1 device$/mu)
    expect(result.stdout).toMatch(/^ {2}interlock ch4-t1-power-cut: worst-case trip 1\.\d\d s on a sudden rise \(source ch4-t1-1201\), 0\.\d\d s armed from 1 %CH4$/mu)
    expect(result.stdout).toMatch(/^ {2}interlock ch4-t2-power-cut: worst-case trip 1\.\d\d s on a sudden rise \(source ch4-t2-1201\)$/mu)
  })

  it('needs --config', async () => {
    const result = await edgeAgent('check')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("required option '--config <file>'")
  })
})
