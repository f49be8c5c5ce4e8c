import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The README's layout block is a map a new user follows: every folder it shows sits where it shows
// it, and every file or folder its descriptions name exists under that entry.

function layoutBlock(): string[] {
  const readme = readFileSync('README.md', 'utf8')
  const section = readme.slice(readme.indexOf('\n## Layout'))
  const open = section.indexOf('```\n')
  return section.slice(open + 4, section.indexOf('\n```', open)).split('\n')
}

/** Each path the block shows, with the line it is on. */
function shownPaths(lines: string[]): { path: string; line: string }[] {
  const shown: { path: string; line: string }[] = []
  let top = ''
  let sub = ''
  for (const line of lines) {
    const entry = /^( {0,2})([\w.-]+\/)\s/u.exec(line)
    if (entry) {
      if (entry[1] === '') [top, sub] = [entry[2]!, '']
      else sub = entry[2]!
      shown.push({ path: top + sub, line })
    }
    const description = line.slice(entry ? entry[0].length : 0).replace(/\([^)]*\)/gu, '')
    for (const token of description.split(/[\s,;]+/u)) {
      // a path as the block writes them: lower case, with a slash or a file extension
      if (!/^[a-z0-9._*-]+(\/[a-z0-9._*-]*)*$/u.test(token) || (!token.includes('/') && !/\.(ts|js|mjs|json|yaml)$/u.test(token))) continue
      const name = token.replace(/\*\.\w+$/u, '')
      shown.push({ path: existsSync(join(top + sub, name)) ? join(top + sub, name) : join(top, name), line })
    }
  }
  return shown
}

describe("the README's layout", () => {
  it('shows every folder and file where it is', () => {
    const shown = shownPaths(layoutBlock())
    expect(shown.length).toBeGreaterThan(30)
    expect(shown.filter(({ path }) => !existsSync(path)).map(({ path, line }) => `${path} (${line.trim()})`)).toEqual([])
  })

  it('puts the MQTT contract under protocols/, beside modbus/ and validation/', () => {
    const paths = shownPaths(layoutBlock()).map((s) => s.path.replace(/\/$/u, ''))
    expect(paths).toContain('protocols/mqtt')
    expect(paths).toContain('protocols/mqtt/schemas')
    expect(paths.filter((p) => p.startsWith('hardware-profiles/') && p.endsWith('/mqtt'))).toEqual([])
  })
})
