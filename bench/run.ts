/**
 * Benchmark runner: `npm run bench [-- NAME...]` (node --import tsx bench/run.ts [NAME...]).
 *
 * Each bench is a module bench/<name>.ts exporting `async function run(): Promise<Figure[]>`.
 * Benches print their own measured lines and the baselines they compare with; the runner then
 * prints, for every figure, one line
 *
 *   figure NAME VALUE TARGET pass|fail
 *
 * and a summary. A figure missing its target is reported, not fatal: the exit code is 0 even when
 * figures fail. It is 1 only when a bench could not run at all (missing module, thrown error).
 */
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export interface Figure {
  name: string
  value: number
  /** e.g. '>=0.5', '<=200', '>1000' */
  target: string
  pass: boolean
  detail?: string
}

export type Bench = () => Promise<Figure[]>

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))

/** Whether `value` meets a target like '>=0.5'. */
export function meets(value: number, target: string): boolean {
  const match = /^\s*(>=|<=|>|<|==)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/u.exec(target)
  if (!match) throw new Error(`cannot read target "${target}" (expected e.g. >=0.5)`)
  const limit = Number(match[2])
  if (!Number.isFinite(value)) return false
  switch (match[1]) {
    case '>=': return value >= limit
    case '<=': return value <= limit
    case '>': return value > limit
    case '<': return value < limit
    default: return value === limit
  }
}

/** A figure whose pass/fail follows from its target. */
export function figure(name: string, value: number, target: string, detail?: string): Figure {
  return { name, value, target, pass: meets(value, target), ...(detail !== undefined && { detail }) }
}

/** 2–3 decimals: 0.734, 12.35, 8523.42 */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  return Math.abs(value) < 10 ? value.toFixed(3) : value.toFixed(2)
}

function benchNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((n) => n.endsWith('.ts') && n !== 'run.ts' && !n.endsWith('.d.ts'))
    .map((n) => basename(n, '.ts'))
    .sort()
}

async function main(): Promise<number> {
  const available = benchNames()
  const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'))
  const names = requested.length > 0 ? requested : available
  const figures: Figure[] = []
  const broken: string[] = []
  for (const name of names) {
    if (!available.includes(name)) {
      console.log(`bench ${name}: no module bench/${name}.ts (available: ${available.join(', ') || 'none'})`)
      broken.push(name)
      continue
    }
    console.log(`\n== bench ${name} ==`)
    const started = process.hrtime.bigint()
    try {
      const module = (await import(pathToFileURL(join(BENCH_DIR, `${name}.ts`)).href)) as { run?: Bench }
      if (typeof module.run !== 'function') throw new Error(`bench/${name}.ts does not export run()`)
      const results = await module.run()
      for (const f of results) {
        const pass = Boolean(f.pass)
        figures.push({ ...f, pass })
        console.log(`figure ${f.name} ${formatValue(f.value)} ${f.target} ${pass ? 'pass' : 'fail'}${f.detail ? `  # ${f.detail}` : ''}`)
      }
    } catch (error) {
      console.log(`bench ${name} failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      broken.push(name)
    }
    console.log(`bench ${name} took ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`)
  }
  const failed = figures.filter((f) => !f.pass)
  console.log(`\n== summary: ${figures.length} figures, ${figures.length - failed.length} pass, ${failed.length} fail${broken.length > 0 ? `; benches that did not run: ${broken.join(', ')}` : ''} ==`)
  for (const f of failed) console.log(`  fail ${f.name} ${formatValue(f.value)} (target ${f.target})${f.detail ? `: ${f.detail}` : ''}`)
  return broken.length > 0 ? 1 : 0
}

// Run only as the entry point, so benches may import figure() from here. No top-level await:
// a bench importing this module while it is still evaluating would deadlock the import cycle.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
