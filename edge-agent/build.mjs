// Bundles the edge-agent CLI into one file (edge-agent/dist/edge-agent.mjs) so a gateway starts it with
// plain node: ~0.7 s instead of ~1.6 s through tsx, and ~35 MB less memory (no loader thread).
// Run by `npm ci` (prepare) and before the tests; bin/edge-agent.js falls back to the sources when stale.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { bundleOptions } from './bundle-options.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

await build({
  ...bundleOptions,
  entryPoints: [`${root}edge-agent/src/cli/main.ts`],
  outfile: `${root}edge-agent/dist/edge-agent.mjs`,
  sourcemap: 'linked',
})
