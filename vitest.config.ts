import { defineConfig } from 'vitest/config'
import { testProjects } from './vitest.projects.ts'

// `npm run test:unit` runs the unit project, `npm test` both (vitest.projects.ts says which is which)
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: testProjects,
  },
})
