/**
 * A profile that says ABCD for a device that sends CDAB, end to end: pymodbus (its own float encoder,
 * not our codec) serves a methane reading and a set point word-swapped, and the real
 * `edge-agent run --config FILE --once` must print both channels out-of-range with no value and a
 * reason naming the word order that reads them — never a good 9.1e-33 (a methane sensor silently
 * reading zero). The pymodbus process is stopped in afterAll.
 */
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sample } from '../../../protocols/sample.ts'
import { tcpBus, tempDir, writeGatewayConfig, writeProfile, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup, run, SYSTEM_PYTHON } from '../../support/processes.ts'
import { METHANE_ABCD_PROFILE } from '../../support/profiles.ts'

const ROOT = join(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const TCP_SERVER = join(ROOT, 'tests/support/pymodbus/tcp_server.py')

/** What the device really holds: the same values, word-swapped, encoded by pymodbus's BinaryPayloadBuilder. */
const DEVICE = {
  units: {
    3: {
      registers: { holding: { 30: [0x4d48] } },
      values: [
        { table: 'input', address: 0, type: 'float32', value: 0.42, order: 'CDAB' },
        { table: 'holding', address: 10, type: 'float32', value: 1.0, order: 'CDAB' },
      ],
    },
  },
}

const group = new ProcessGroup()
let dir: TempDir
let config: string

beforeAll(async () => {
  dir = tempDir('word-order')
  const spec = join(dir.path, 'device.json')
  writeFileSync(spec, JSON.stringify(DEVICE))
  const { match } = await group.startReady(SYSTEM_PYTHON, [TCP_SERVER, '--port', '0', '--spec-file', spec], /^ready (\d+)$/u, { name: 'pymodbus-tcp', timeoutMs: 20_000 })
  writeProfile(dir.path, 'methane-head.yaml', METHANE_ABCD_PROFILE)
  config = writeGatewayConfig(dir.path, {
    buses: [tcpBus('lan', Number(match[1]))],
    devices: [{ id: 'ch4-head-3', bus: 'lan', unit: 3, profile: 'methane-head.yaml' }],
  })
})

afterAll(async () => {
  await group.stopAll()
  dir?.remove()
})

describe('run --once with a profile in the wrong word order', () => {
  it('prints the word-swapped channels out-of-range, with no value and the order that reads them', async () => {
    const result = await run(process.execPath, [CLI, 'run', '--config', config, '--once'], { cwd: ROOT, timeoutMs: 60_000, name: 'edge-agent run --once' })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const samples = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Sample)
    const byChannel = new Map(samples.map((s) => [s.channel, s]))
    expect(byChannel.get('ch4')).toMatchObject({
      device: 'ch4-head-3', value: null, quality: 'out-of-range',
      reason: 'implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967)',
    })
    expect(byChannel.get('alarm_set')).toMatchObject({
      device: 'ch4-head-3', value: null, quality: 'out-of-range', reason: 'implausible float 2.3e-41: check the word order (CDAB decodes 1)',
    })
    expect(byChannel.get('model')).toMatchObject({ value: 0x4d48, quality: 'good' })
    expect(samples).toHaveLength(3)
  })
})
