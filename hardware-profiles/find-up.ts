import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The nearest ancestor of `fromUrl`'s folder that holds `relative`. Works the same from the
 * TypeScript sources and from the bundled CLI in edge-agent/dist/.
 */
export function findUp(fromUrl: string, relative: string): string {
  let dir = dirname(fileURLToPath(fromUrl))
  for (;;) {
    const candidate = join(dir, relative)
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find ${relative} above ${fileURLToPath(fromUrl)}`)
    dir = parent
  }
}
