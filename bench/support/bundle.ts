import { build } from 'esbuild'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error plain ESM settings module without type declarations
import { bundleOptions } from '../../edge-agent/bundle-options.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Bundle a bench child exactly as edge-agent/build.mjs bundles the CLI, so it is measured as a gateway
 * runs the agent: plain node, no TypeScript loader thread. Returns the .mjs path (under bench/.build/).
 */
export async function bundleForBench(entry: string): Promise<string> {
  const outfile = join(ROOT, 'bench/.build', `${basename(entry, '.ts')}.mjs`)
  await build({ ...bundleOptions, entryPoints: [entry], outfile })
  return outfile
}
