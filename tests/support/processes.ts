import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'

/**
 * The Debian interpreter that has python3-pymodbus. The `python3` on PATH may be another
 * interpreter without it, so always spawn this one for the pymodbus scripts.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3'

/** How a child ended. */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface StartOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Name used in error messages (default: the command's basename). */
  name?: string
}

/** Children started by this module that may still be running: the exit hook below kills them. */
const running = new Set<ManagedProcess>()

let hooked = false
function hookExit(): void {
  if (hooked) return
  hooked = true
  // last resort when a test file forgets afterAll or the worker dies: never leave children behind
  process.once('exit', () => {
    for (const proc of running) {
      try {
        proc.child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

const tail = (text: string, max = 2000): string => (text.length > max ? `…${text.slice(-max)}` : text)

/** A spawned child whose output is collected line by line. */
export class ManagedProcess {
  readonly child: ChildProcess
  readonly name: string
  stdout = ''
  stderr = ''
  /** Set once the child has exited. */
  exit: Exit | undefined
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<Exit>
  private readonly lineWaiters = new Set<() => void>()
  private spawnError: Error | undefined

  constructor(command: string, args: readonly string[], options: StartOptions = {}) {
    this.name = options.name ?? command.split('/').at(-1) ?? command
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }
    this.child = spawn(command, [...args], spawnOptions)
    hookExit()
    running.add(this)
    this.child.stdout!.setEncoding('utf8')
    this.child.stderr!.setEncoding('utf8')
    this.child.stdout!.on('data', (chunk: string) => {
      this.stdout += chunk
      this.notify()
    })
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk
      this.notify()
    })
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('error', (error) => {
        // spawn failure (e.g. ENOENT): 'close' may never come
        this.spawnError = error
        if (this.child.pid === undefined) {
          this.exit = { code: null, signal: null }
          running.delete(this)
          this.notify()
          resolve(this.exit)
        }
      })
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal }
        running.delete(this)
        this.notify()
        resolve(this.exit)
      })
    })
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** Both streams' tails, for error messages. */
  describe(): string {
    const status = this.spawnError
      ? `failed to start: ${this.spawnError.message}`
      : this.exit
        ? `exited with ${this.exit.signal ?? `code ${String(this.exit.code)}`}`
        : 'still running'
    return `${this.name} (pid ${String(this.pid)}) ${status}\n--- stdout ---\n${tail(this.stdout)}\n--- stderr ---\n${tail(this.stderr)}`
  }

  private notify(): void {
    for (const waiter of [...this.lineWaiters]) waiter()
  }

  /**
   * Wait until a complete line of `stream` matches `pattern`; rejects when the child exits first
   * or after `timeoutMs`, with the child's output in the message.
   */
  waitForLine(pattern: RegExp, timeoutMs = 20_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const text = stream === 'stdout' ? this.stdout : this.stderr
        const lines = text.split('\n')
        if (!text.endsWith('\n')) lines.pop() // the last line is not complete yet
        for (const line of lines) {
          const match = line.match(pattern)
          if (match) {
            finish()
            resolve(match)
            return true
          }
        }
        if (this.exit) {
          finish()
          reject(new Error(`${this.name} ended before printing a line matching ${String(pattern)}: ${this.describe()}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`no line matching ${String(pattern)} from ${this.name} within ${timeoutMs} ms: ${this.describe()}`))
      }, timeoutMs)
      const waiter = (): void => void check()
      const finish = (): void => {
        clearTimeout(timer)
        this.lineWaiters.delete(waiter)
      }
      this.lineWaiters.add(waiter)
      check()
    })
  }

  /** Send `signal` (default SIGTERM), SIGKILL after `graceMs`, and wait for the exit. Safe to call twice. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<Exit> {
    if (this.exit) return this.exit
    try {
      this.child.kill(signal)
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        this.child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }, graceMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Spawn a long-running child. Remember to `stop()` it (see {@link ProcessGroup}). */
export function start(command: string, args: readonly string[], options: StartOptions = {}): ManagedProcess {
  return new ManagedProcess(command, args, options)
}

/** Spawn a child and wait for its ready line; the child is stopped again if it never gets ready. */
export async function startReady(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: StartOptions & { timeoutMs?: number; stream?: 'stdout' | 'stderr' } = {},
): Promise<{ proc: ManagedProcess; match: RegExpMatchArray }> {
  const proc = start(command, args, options)
  try {
    const match = await proc.waitForLine(ready, options.timeoutMs ?? 20_000, options.stream ?? 'stdout')
    return { proc, match }
  } catch (error) {
    await proc.stop('SIGKILL')
    throw error
  }
}

export interface RunResult extends Exit {
  stdout: string
  stderr: string
  /** True when the child was killed because it ran past `timeoutMs`. */
  timedOut: boolean
}

/** Run a short-lived command to completion, collecting its output; killed after `timeoutMs`. */
export async function run(command: string, args: readonly string[], options: StartOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
  const proc = start(command, args, options)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    void proc.stop('SIGKILL')
  }, options.timeoutMs ?? 30_000)
  const exit = await proc.exited
  clearTimeout(timer)
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr, timedOut }
}

/**
 * Processes a test file owns: `add` each one, `stopAll` in afterAll.
 *
 *   const group = new ProcessGroup()
 *   afterAll(() => group.stopAll())
 */
export class ProcessGroup {
  private readonly procs = new Set<ManagedProcess>()

  add<T extends ManagedProcess>(proc: T): T {
    this.procs.add(proc)
    return proc
  }

  async startReady(...args: Parameters<typeof startReady>): ReturnType<typeof startReady> {
    const started = await startReady(...args)
    this.add(started.proc)
    return started
  }

  /** Stop every process of the group (in reverse start order) and wait until all have exited. */
  async stopAll(): Promise<void> {
    const procs = [...this.procs].reverse()
    this.procs.clear()
    await Promise.all(procs.map((p) => p.stop()))
  }
}
