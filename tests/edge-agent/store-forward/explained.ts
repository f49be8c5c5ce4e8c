/**
 * A wait that, when it times out, also says what the test saw by then: the shared until() names
 * only what it awaited, and a store-and-forward run is debugged from what was missing and what the
 * agent logged.
 */
export async function explained<T>(wait: Promise<T>, seen: () => string): Promise<T> {
  try {
    return await wait
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}: ${seen()}`, { cause: error })
  }
}
