import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// Every error this product raises on purpose extends protocols/errors.ts ProductError, whose abstract
// `code` makes each class name its stable code — so a CLI prints it without a stack, and logs, API
// answers and tests match on the code, never on the wording.

const SOURCES = ['protocols', 'hardware-profiles', 'edge-agent/src', 'fleet-server/src']

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'library' ? [] : sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** `class X extends Y` declarations whose base is a built-in error. */
function builtInErrorSubclasses(text: string): string[] {
  return [...text.matchAll(/class\s+(\w+)\s+extends\s+(Error|TypeError|RangeError|SyntaxError)\b/gu)].map((m) => `${m[1]} extends ${m[2]}`)
}

describe('error classes', () => {
  it('finds a built-in base where one is written (the check itself works)', () => {
    expect(builtInErrorSubclasses('export class BadThing extends Error {}\nclass Ok extends ProductError {}')).toEqual(['BadThing extends Error'])
  })

  it('all extend ProductError: none extends a built-in error but ProductError itself', () => {
    const offenders = SOURCES.flatMap(sourceFiles).flatMap((file) =>
      builtInErrorSubclasses(readFileSync(file, 'utf8'))
        .filter((found) => !(file === join('protocols', 'errors.ts') && found === 'ProductError extends Error'))
        .map((found) => `${file}: ${found}`))
    expect(offenders).toEqual([])
  })
})
