import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'

const REPO = resolve(import.meta.dirname, '../..')

/**
 * The programs' sources copied into `tree` (a scratch folder), every installed package linked but
 * those named in `exceptPackages`, which the caller puts there itself: a checkout whose seeds or
 * native builds a test may break without touching this one.
 */
export function copyCheckout(tree: string, exceptPackages: readonly string[] = []): void {
  mkdirSync(join(tree, 'node_modules'), { recursive: true })
  for (const dir of ['protocols', 'hardware-profiles', 'fleet-server', 'seeds', 'examples']) cpSync(join(REPO, dir), join(tree, dir), { recursive: true })
  for (const dir of ['bin', 'src']) cpSync(join(REPO, 'edge-agent', dir), join(tree, 'edge-agent', dir), { recursive: true })
  cpSync(join(REPO, 'package.json'), join(tree, 'package.json'))
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (!exceptPackages.includes(name)) symlinkSync(join(REPO, 'node_modules', name), join(tree, 'node_modules', name))
  }
}

/** A package of this checkout's node_modules copied into `tree`'s, only its `parts` (e.g. without its native build). */
export function copyPackage(tree: string, name: string, parts: readonly string[]): void {
  mkdirSync(join(tree, 'node_modules', name), { recursive: true })
  for (const part of parts) cpSync(join(REPO, 'node_modules', name, part), join(tree, 'node_modules', name, part), { recursive: true })
}
