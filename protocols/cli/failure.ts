/**
 * What a program tells its user when it stops on an error: what is wrong and, where there is one,
 * the command that fixes it — never a stack trace, unless LOG_LEVEL asks for it. Pure: it formats,
 * the program prints and exits.
 */
import { ProductError } from '../errors.ts'
import { formatProblem, InvalidInputError } from '../validation/problem.ts'
import { EXIT_CODES, UsageError, type ExitCode } from './errors.ts'

const NATIVE_LOAD_FAILURE = /Could not locate the bindings file|No native build was found|NODE_MODULE_VERSION|did not self-register|invalid ELF header|wrong ELF class/u

/** `node_modules/better-sqlite3/...` or `node_modules/@serialport/bindings-cpp/...`: the package and the folder holding node_modules. */
function nativePackage(message: string): { name: string; root: string } | undefined {
  const found = [...message.matchAll(/(\/[^\s'"→]*?)\/node_modules\/((?:@[^/\s]+\/)?[^/\s'"]+)/gu)].at(-1)
  return found ? { root: found[1]!, name: found[2]! } : undefined
}

/** A native add-on that does not load for this Node.js: its name, what went wrong, and `npm rebuild NAME`. */
export function nativeModuleFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const code = (error as NodeJS.ErrnoException).code
  if (code !== 'ERR_DLOPEN_FAILED' && !NATIVE_LOAD_FAILURE.test(error.message)) return undefined
  const pkg = nativePackage(error.message)
  const name = pkg?.name ?? 'better-sqlite3'
  const builtFor = /NODE_MODULE_VERSION (\d+)\./u.exec(error.message)?.[1]
  const why = builtFor !== undefined ? `its build is for modules ABI ${builtFor}`
    : /Could not locate the bindings file|No native build was found/u.test(error.message) ? 'no build of it was found'
    : error.message.split('\n')[0]!
  return [
    `the native module ${name} is not built for this Node.js (${process.version}, modules ABI ${process.versions.modules}): ${why}`,
    `fix: npm rebuild ${name}${pkg ? ` (in ${pkg.root})` : ''}, with the Node.js that runs this program`,
  ].join('\n')
}

const wantsStack = (env: NodeJS.ProcessEnv) => env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace'

/**
 * The lines to print, without the program's prefix. A ProductError is a refusal the program
 * raised on purpose: its message alone. A system error (errno and syscall) says itself; anything
 * else is unexpected, and LOG_LEVEL=debug adds where it happened.
 */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const native = nativeModuleFailure(error)
  if (native !== undefined) return native
  if (error instanceof ProductError) return error.message
  if (!(error instanceof Error)) return `unexpected failure: ${String(error)}`
  const errno = error as NodeJS.ErrnoException
  const text = typeof errno.code === 'string' && typeof errno.syscall === 'string' ? error.message : `unexpected error: ${error.message}`
  return wantsStack(env) ? `${text}\n${error.stack ?? ''}` : `${text}\n(LOG_LEVEL=debug shows where it happened)`
}

export interface FailureReport {
  /** to print on stderr, one per line */
  lines: string[]
  exitCode: ExitCode
}

/**
 * What `program` prints and exits with when `error` stops it: an invalid input file as its
 * `FILE:LINE:COL key.path: message` lines and a usage mistake as `program: message`, both exit 2;
 * anything else its description, each line after `program: `, exit 1.
 */
export function failureReport(program: string, error: unknown, env: NodeJS.ProcessEnv = process.env): FailureReport {
  if (error instanceof InvalidInputError) return { lines: error.problems.map(formatProblem), exitCode: EXIT_CODES.invalidInput }
  const lines = describeFailure(error, env).split('\n').map((line) => `${program}: ${line}`)
  return { lines, exitCode: error instanceof UsageError ? EXIT_CODES.invalidInput : EXIT_CODES.failed }
}
