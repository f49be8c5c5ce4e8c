import { build } from 'esbuild'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Bundle a bench child the way edge-agent/build.mjs bundles the CLI, so it is measured as a gateway
 * runs the agent: plain node, no TypeScript loader thread. Returns the .mjs path (under bench/.build/).
 */
export async function bundleForBench(entry: string): Promise<string> {
  const outfile = join(ROOT, 'bench/.build', `${basename(entry, '.ts')}.mjs`)
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    external: ['better-sqlite3', 'serialport', '@serialport/*', 'pino', 'pino-pretty', 'modbus-serial'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  })
  return outfile
}
