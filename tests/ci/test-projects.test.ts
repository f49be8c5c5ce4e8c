import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVitest, type Vitest } from 'vitest/node'
import { testProjects } from '../../vitest.projects.ts'

// Every test file runs in exactly one of the two projects: none forgotten by both, none run twice.
// Asked of vitest itself, with the projects' include and exclude globs as it reads them.

const ROOT = resolve(import.meta.dirname, '../..')
const testFiles = readdirSync(resolve(ROOT, 'tests'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `tests/${file}`)
  .sort()

let vitest: Vitest
beforeAll(async () => {
  vitest = await createVitest('test', { config: false, root: ROOT, watch: false }, { test: { projects: testProjects } })
})
afterAll(() => vitest?.close())

describe('the test projects', () => {
  it('are unit and integration', () => {
    expect(vitest.projects.map((project) => project.name)).toEqual(['unit', 'integration'])
  })

  it('take every test file exactly once', async () => {
    const projectsOf = new Map<string, string[]>(testFiles.map((file) => [file, []]))
    for (const project of vitest.projects) {
      for (const file of (await project.globTestFiles()).testFiles) {
        const relative = file.slice(ROOT.length + 1)
        projectsOf.set(relative, [...(projectsOf.get(relative) ?? []), project.name])
      }
    }
    const notOnce = [...projectsOf].filter(([, projects]) => projects.length !== 1).map(([file, projects]) => `${file}: ${projects.join(', ') || 'none'}`)
    expect(testFiles.length).toBeGreaterThan(100)
    expect(notOnce).toEqual([])
  })

  it('keep the guard on the unit project only', () => {
    const setupOf = (name: string) => testProjects.find((project) => project.test?.name === name)?.test?.setupFiles
    expect(setupOf('unit')).toEqual(['tests/support/unit-guard.ts'])
    expect(setupOf('integration')).toBeUndefined()
  })
})
