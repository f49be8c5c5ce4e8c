/**
 * `edge-agent commission` as the installer meets its refusals: the real CLI, each mistake one line with
 * no stack trace — a bad plan located (exit 2) before anything else is looked at, --yes without a plan
 * (exit 2), no signing key or no running agent (exit 1, saying what to do) — and --show before any run.
 * The runs themselves are tested end to end in tests/fleet-server/e2e/commissioning.test.ts.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateSigningKey } from '../../../protocols/commissioning/index.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { run } from '../../support/processes.ts'

const ROOT = join(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')

let dir: TempDir
let config = ''
const at = (name: string) => join(dir.path, name)
const commission = (...args: string[]) => run(process.execPath, [CLI, 'commission', '--config', config, ...args], { cwd: ROOT, timeoutMs: 30_000, name: 'edge-agent commission' })

beforeAll(() => {
  dir = tempDir('commission-cli')
  config = at('gateway.yaml')
  writeFileSync(config, [
    'gateway: { id: gw-1, site: mine-a }',
    'uplink: { url: "mqtt://127.0.0.1:1", credentialsFile: gateway.credentials.json }',
    'buffer: { path: outbox.sqlite }',
    'buses: [ { id: rs485-1, type: rtu, path: /dev/null, baud: 9600 } ]',
    'devices:',
    '  - { id: ch4-1, bus: rs485-1, unit: 1, profile: ccri-gjc4-catalytic-methane, system: monitoring }',
    '',
  ].join('\n'))
  writeFileSync(at('plan.yaml'), 'technician: { name: 李工 }\ndevices:\n  - device: ch4-1\n')
})

afterAll(() => dir.remove())

it('a plan with a mistake is refused with its file, line, column and key path, exit 2', async () => {
  writeFileSync(at('bad.yaml'), 'technician: { name: 李工 }\ndevices:\n  - device: ch4-9\n')
  const result = await commission('--plan', at('bad.yaml'), '--yes')
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' })
  expect(result.stderr).toBe(`${at('bad.yaml')}:3:13 devices[0].device: device "ch4-9" is not in the config (ch4-1)\n`)
})

it('--yes without a plan has nothing to run without questions, exit 2', async () => {
  const result = await commission('--yes')
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: 'edge-agent: --yes runs a plan without questions: give --plan FILE\n' })
})

it('a gateway never provisioned has no signing key: one line saying to provision it, exit 1', async () => {
  const result = await commission('--plan', at('plan.yaml'), '--yes')
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 1, stdout: '' })
  expect(result.stderr).toBe(`edge-agent: no signing key at ${at('gateway.signing-key.pem')} (ENOENT): provision the gateway (edge-agent provision) to create and register one\n`)
})

it('with its key but no agent running: one line saying to start the agent, exit 1', async () => {
  writeFileSync(at('gateway.signing-key.pem'), generateSigningKey().privateKeyPem, { mode: 0o600 })
  const result = await commission('--plan', at('plan.yaml'), '--yes')
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(/^edge-agent: the agent is not running \(nothing answers on \S+control\.sock\): commissioning watches the running agent, start it \(edge-agent run --config \S+gateway\.yaml, or its service\) and commission again\n$/u)
})

it('--show before any run says there is none', async () => {
  const result = await commission('--show')
  expect(result).toMatchObject({ code: 0, stdout: 'no commissioning or test runs at this gateway yet\n', stderr: '' })
  const json = await commission('--show', '--json')
  expect(json).toMatchObject({ code: 0, stdout: '[]\n' })
})
