// Bundles the edge-agent CLI into one file (edge-agent/dist/edge-agent.mjs) so a gateway starts it with
// plain node: ~0.3 s instead of ~1.5 s through tsx, and ~35 MB less memory (no loader thread).
// Run by `npm ci` (prepare) and before the tests; bin/edge-agent.js falls back to the sources when stale.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

await build({
  entryPoints: [`${root}edge-agent/src/cli/main.ts`],
  outfile: `${root}edge-agent/dist/edge-agent.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // native modules and pino (its transports run in worker threads resolved at run time) stay in node_modules
  external: ['better-sqlite3', 'serialport', '@serialport/*', 'pino', 'pino-pretty', 'modbus-serial'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
})
