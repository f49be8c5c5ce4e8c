/**
 * What a program tells its user about a failure that is no mistake in their input: what is wrong and,
 * where there is one, the command that fixes it — never a stack trace, unless LOG_LEVEL asks for it.
 */

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

/** The lines to print, without the program's prefix. */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const native = nativeModuleFailure(error)
  if (native !== undefined) return native
  if (!(error instanceof Error)) return `unexpected failure: ${String(error)}`
  const errno = error as NodeJS.ErrnoException
  const text = typeof errno.code === 'string' && typeof errno.syscall === 'string' ? error.message : `unexpected error: ${error.message}`
  return wantsStack(env) ? `${text}\n${error.stack ?? ''}` : `${text}\n(LOG_LEVEL=debug shows where it happened)`
}
