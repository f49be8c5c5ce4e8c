/** A mistake in what the user typed: one line, exit 2, no stack trace. */
export class UsageError extends Error {
  readonly code = 'USAGE'
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The command could not do its job (the port is taken, the database unreadable): exit 1 with the reason. */
export class RuntimeError extends Error {
  readonly code = 'RUNTIME'
  constructor(message: string) {
    super(message)
    this.name = 'RuntimeError'
  }
}

export function parseInteger(text: string, what: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^-?\d+$/u.test(text.trim()) || value < min || value > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got "${text}"`)
  return value
}
