import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { README_FILE, configReference, readmeWithReference } from '../../../edge-agent/src/config/reference.ts'
import { GatewayConfigSchema } from '../../../edge-agent/src/config/schema.ts'

describe('the README config reference', () => {
  it('is the one generated from the schema (npm run schemas)', () => {
    const readme = readFileSync(README_FILE, 'utf8')
    expect(readmeWithReference(readme)).toBe(readme)
  })

  it('documents every key, nested ones and both bus types included', () => {
    const reference = configReference()
    for (const key of Object.keys(GatewayConfigSchema.properties).filter((k) => k !== '$schema')) {
      expect(reference).toContain(`| \`${key}`)
    }
    expect(reference).toContain('`buses[] (type rtu).baud`')
    expect(reference).toContain('`buses[] (type tcp).maxInFlight`')
    expect(reference).toContain('`interlocks[].action.feedback.channel`')
    expect(reference).toMatch(/\| `devices\[\]\.pollMs` \| integer 50\.\.86400000 \| `1000` \|/u)
  })
})
