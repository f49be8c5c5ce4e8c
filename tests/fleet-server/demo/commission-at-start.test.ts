import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { commissionInBackground } from '../../../fleet-server/src/demo/commission-at-start.ts'
import { demoCommissioningPlan } from '../../../fleet-server/src/demo/commissioning-plan.ts'
import type { RunningDemoSite } from '../../../fleet-server/src/demo/edge-site.ts'
import { parseGatewayConfig } from '../../../fleet-server/src/demo/gateway-config.ts'
import { defaultSeedFile, loadDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { generateSigningKey } from '../../../protocols/commissioning/index.ts'

// The background run's failures with fakes in place of the agent: said in one line, never thrown.

const site = loadDemoFleet(defaultSeedFile()).sites.find((s) => s.id === 'leping-zhenqiao-coal')!
const plan = demoCommissioningPlan(site, '2026-12-07')!
const { config } = parseGatewayConfig('gateway.yaml', site, { simulator: { host: '127.0.0.1', port: 502 } })
const logger = pino({ level: 'silent' })
const { privateKeyPem } = generateSigningKey()

/** a demo site whose agent refuses every command with `message` */
function refusingSite(message: string, calls: string[]): RunningDemoSite {
  const refuse = (command: string) => {
    calls.push(command)
    return { ok: false, message }
  }
  return {
    site,
    agent: { config: config!, commissioning: { handle: refuse }, safety: { handleCommand: async (command: string) => refuse(command) } },
    simulator: { applyGas: () => [], removeGas: () => [] },
  } as unknown as RunningDemoSite
}

describe('the commissioning run in the background', () => {
  it('says in one line that it could not run when the gateway does not come online, and settles', async () => {
    const said: string[] = []
    const calls: string[] = []
    const run = commissionInBackground(refusingSite('never asked', calls), { plan, signingKeyPem: privateKeyPem, online: () => false, say: (l) => said.push(l), logger, onlineWithinMs: 1 })
    await run.done
    expect(said).toEqual(['commissioning 镇桥煤矿 (leping-zhenqiao-coal): FAILED to run — gateway zhenqiao-coal-gw1 did not come online'])
    expect(calls).toEqual([])
  })

  it('says what the agent refused, after the line that it starts, and settles', async () => {
    const said: string[] = []
    const calls: string[] = []
    const run = commissionInBackground(refusingSite('the test mode is taken', calls), { plan, signingKeyPem: privateKeyPem, online: () => true, say: (l) => said.push(l), logger })
    await run.done
    expect(said).toHaveLength(2)
    expect(said[0]).toMatch(/^commissioning 镇桥煤矿 \(leping-zhenqiao-coal\): .* tests ch4-heading-201 with 2 %CH4 test gas and checks multigas-intake, power-cut-201 \(in the background\)$/u)
    expect(said[1]).toBe('commissioning 镇桥煤矿 (leping-zhenqiao-coal): FAILED to run — the agent refused test-mode: the test mode is taken')
    expect(calls[0]).toBe('test-mode')
  })

  it('stops quietly while it waits for the gateway', async () => {
    const said: string[] = []
    const run = commissionInBackground(refusingSite('never asked', []), { plan, signingKeyPem: privateKeyPem, online: () => false, say: (l) => said.push(l), logger })
    await run.stop()
    expect(said).toEqual([])
  })
})
