import { readFileSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { createValidator, InvalidInputError, YamlSource, type Problem } from '../protocols/validation/index.ts'
import { checkProfile } from './check.ts'
import { findUp } from './find-up.ts'
import { ProfileSchema, type Profile } from './schema.ts'

// compiled on first use: a process that never parses a profile file does not pay for it
let validator: ReturnType<typeof createValidator<Profile>> | undefined
const validate = (value: unknown) => (validator ??= createValidator<Profile>(ProfileSchema))(value)

export const LIBRARY_DIR = findUp(import.meta.url, 'hardware-profiles/library')

export interface ParsedProfile {
  profile?: Profile
  problems: Problem[]
}

/** Parse and fully check one profile text: syntax, schema, references, overlaps and its own test vectors. */
export function parseProfile(file: string, text: string): ParsedProfile {
  const source = new YamlSource(file, text)
  if (source.syntaxProblems.length > 0) return { problems: source.syntaxProblems }
  if (!validate(source.value)) return { problems: source.schemaProblems(validator!.errors) }
  const profile = source.value as Profile
  const problems = checkProfile(profile).map((i) => source.problemAt(i.path, i.message))
  return problems.length > 0 ? { problems } : { profile, problems }
}

export function loadProfileFile(file: string): Profile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InvalidInputError('PROFILE_INVALID', [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }])
  }
  const { profile, problems } = parseProfile(file, text)
  if (!profile) throw new InvalidInputError('PROFILE_INVALID', problems)
  return profile
}

/** Every profile in a library folder, checked; all problems of all files are reported together. */
export function loadLibrary(dir = LIBRARY_DIR): Profile[] {
  const problems: Problem[] = []
  const profiles: Profile[] = []
  const files = new Map<string, string>()
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const file = join(dir, name)
    const { profile, problems: found } = parseProfile(file, readFileSync(file, 'utf8'))
    problems.push(...found)
    if (!profile) continue
    const other = files.get(profile.id)
    if (other) problems.push({ file, line: 1, column: 1, path: 'id', message: `profile id "${profile.id}" is also used by ${basename(other)}` })
    files.set(profile.id, file)
    profiles.push(profile)
  }
  if (problems.length > 0) throw new InvalidInputError('PROFILE_INVALID', problems)
  return profiles
}
