/**
 * The exit-code contract both programs (and the demo) keep: 0 done, 1 the program could not do its
 * job, 2 a mistake in what the user typed or wrote. Neither kind prints a stack trace.
 */
import { ProductError } from '../errors.ts'

export const EXIT_CODES = { done: 0, failed: 1, invalidInput: 2 } as const
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** A mistake in what the user typed or wrote: reported in one or more lines, exit 2, no stack trace. */
export class UsageError extends ProductError {
  readonly code = 'USAGE'
}

/** The program ran but could not do its job (a device unreachable, a port taken): exit 1 with the reason, no stack trace. */
export class RuntimeError extends ProductError {
  readonly code = 'RUNTIME'
}

/** A whole number from `min` to `max` typed for `what` (an option's name), or UsageError saying what was expected. */
export function parseInteger(text: string, what: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^-?\d+$/u.test(text.trim()) || value < min || value > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got "${text}"`)
  return value
}
