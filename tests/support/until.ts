/**
 * The one way a test waits for something to happen: poll `condition` until it holds (or, for a
 * reader, returns something other than undefined), failing with what was awaited after `timeoutMs`.
 * Never a fixed sleep: a condition is as fast as the machine and as patient as the limit.
 */
export interface UntilOptions {
  /** default 15 s: generous on a loaded 2-core CI machine, reached only when something is wrong */
  timeoutMs?: number
  /** how often the condition is tried; default 10 ms */
  everyMs?: number
}

export async function until(what: string, condition: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  await valueOf(what, async () => ((await condition()) ? true : undefined), options)
}

/** Waits until `read` returns a value other than undefined, and returns it. */
export async function valueOf<T>(what: string, read: () => T | undefined | Promise<T | undefined>, options: UntilOptions = {}): Promise<T> {
  const { timeoutMs = 15_000, everyMs = 10 } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/**
 * A wait that, when it times out, also says what the test saw by then: until() names only what it
 * awaited, and a run with real processes is debugged from what was missing and what they logged.
 */
export async function explained<T>(wait: Promise<T>, seen: () => string): Promise<T> {
  try {
    return await wait
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}: ${seen()}`, { cause: error })
  }
}
