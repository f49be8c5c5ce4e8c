import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium, which npm test installs (tests/support/system-packages.json). */
export const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * Starts headless chromium the one way every browser test does, with `extraArgs` after the common ones
 * (a test over TLS pins its server's key); a clear error when it is not installed.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: npm test installs Debian's chromium (tests/support/system-packages.json)`)
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs] })
}
