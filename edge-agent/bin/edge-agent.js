#!/usr/bin/env node
// Runs the bundled CLI (edge-agent/dist, built by `npm ci`) when it is at least as new as every source
// file; otherwise the TypeScript sources through tsx, so an edit is never run stale.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bundle = join(root, 'edge-agent/dist/edge-agent.mjs')

function newestSource() {
  let newest = 0
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'library' && entry.name !== 'dist' && entry.name !== 'node_modules') visit(path)
      } else if (entry.name.endsWith('.ts')) {
        newest = Math.max(newest, statSync(path).mtimeMs)
      }
    }
  }
  for (const dir of ['protocols', 'hardware-profiles', 'edge-agent/src']) visit(join(root, dir))
  return newest
}

function bundleIsFresh() {
  try {
    return statSync(bundle).mtimeMs >= newestSource()
  } catch {
    return false
  }
}

if (process.env.EDGE_AGENT_FROM_SOURCE !== '1' && bundleIsFresh()) {
  await import(bundle)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
