import { existsSync } from 'node:fs'
import { loadLibrary, loadProfileFile, type Profile } from '../../../hardware-profiles/index.ts'
import { UsageError } from '../../../protocols/cli/index.ts'

let library: Profile[] | undefined

export function catalog(): Profile[] {
  library ??= loadLibrary()
  return library
}

/** A profile by library id, or from a YAML file path. */
export function findProfile(idOrFile: string): Profile {
  if (idOrFile.endsWith('.yaml') || idOrFile.endsWith('.yml') || idOrFile.includes('/')) {
    if (!existsSync(idOrFile)) throw new UsageError(`no profile file ${idOrFile}`)
    return loadProfileFile(idOrFile)
  }
  const profile = catalog().find((p) => p.id === idOrFile)
  if (!profile) {
    const near = catalog().filter((p) => p.id.includes(idOrFile) || idOrFile.includes(p.model.toLowerCase())).map((p) => p.id)
    throw new UsageError(`no profile "${idOrFile}" in the library${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (edge-agent profiles list)`)
  }
  return profile
}
