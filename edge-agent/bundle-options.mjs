// esbuild settings shared by the CLI bundle (build.mjs) and bench children (bench/support/bundle.ts).
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // native modules and pino (its transports run in worker threads resolved at run time) stay in node_modules
  external: ['better-sqlite3', 'serialport', '@serialport/*', 'pino', 'pino-pretty', 'modbus-serial'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
}
