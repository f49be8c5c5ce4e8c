/**
 * The one base of every error this product raises on purpose. Each subclass carries a stable
 * `code` (UPPER_SNAKE, part of the contract: logs, API answers and tests match on it, never on the
 * message), and a CLI prints such an error as its message alone — a user's mistake or a refused
 * operation is not a crash, so it never shows a stack trace.
 */
export abstract class ProductError extends Error {
  abstract readonly code: string

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}
