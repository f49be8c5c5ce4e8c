/**
 * The error `fn` throws, when it is a `type`: anything else thrown is rethrown (the test shows it), and
 * nothing thrown fails the test. For the error classes whose message and code a test reads.
 */
export function thrownBy<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn()
  } catch (error) {
    if (error instanceof type) return error
    throw error
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`)
}
