#!/usr/bin/env node
// Runs the fleet server's TypeScript sources through tsx: the server is not bundled.
const { register } = await import('tsx/esm/api')
register()
await import('../src/cli/main.ts')
