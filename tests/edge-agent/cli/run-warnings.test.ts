import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../../support/processes.ts'

// `run` loads a config the way `check` does: what check would warn about, run says too (a framing
// unlike the profile's factory setting is a silent comm-fail on a real line), and still runs.

const ROOT = join(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const CONFIG = join(ROOT, 'tests/edge-agent/config/warnings/framing-library-profile.yaml')

describe('edge-agent run --once on a config with warnings', () => {
  it('prints each warning located, then polls (the serial ports of this config do not exist: exit 1)', async () => {
    const result = await run(process.execPath, [CLI, 'run', '--config', CONFIG, '--once'], { timeoutMs: 60_000 })
    expect(result.stderr).toContain(`${CONFIG}:16:10 devices[1].bus: warning: profile factory setting 9600 8N1; bus line2 is 19200 8O2`)
    expect(result.stderr).toMatch(/device ch4-2 could not be read/u)
    expect(result.code, result.stderr).toBe(1)
  }, 70_000)
})
