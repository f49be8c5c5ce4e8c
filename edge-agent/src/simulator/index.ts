import type { Profile } from '../../../hardware-profiles/index.ts'
import type { SerialFraming } from '../../../protocols/modbus/index.ts'
import { SimulatedDevice } from './device.ts'
import { startRtuServer } from './rtu-server.ts'
import type { ScenarioName } from './scenarios.ts'
import { startTcpServer, type RunningServer } from './tcp-server.ts'

export { SimulatedDevice } from './device.ts'
export { SCENARIOS, SCENARIO_HELP, isScenario, type ScenarioName } from './scenarios.ts'

export interface SimulatedUnit {
  unit: number
  profile: Profile
  scenario: ScenarioName
}

export interface SimulatorOptions {
  units: SimulatedUnit[]
  tcp?: { host: string; port: number }
  rtu?: SerialFraming & { path: string; wireTiming?: boolean }
  periodMs?: number
  feedbackDelayMs?: number
  warmUpMs?: number
}

export interface Simulator {
  devices: ReadonlyMap<number, SimulatedDevice>
  /** `tcp HOST:PORT` or `rtu PATH` */
  endpoint: string
  close(): Promise<void>
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const devices = new Map<number, SimulatedDevice>()
  for (const { unit, profile, scenario } of options.units) {
    devices.set(unit, new SimulatedDevice({
      unit, profile, scenario,
      ...(options.periodMs !== undefined && { periodMs: options.periodMs }),
      ...(options.feedbackDelayMs !== undefined && { feedbackDelayMs: options.feedbackDelayMs }),
      ...(options.warmUpMs !== undefined && { warmUpMs: options.warmUpMs }),
    }))
  }
  let server: RunningServer
  let endpoint: string
  if (options.tcp) {
    server = await startTcpServer(devices, options.tcp.host, options.tcp.port)
    endpoint = `tcp ${server.address}`
  } else if (options.rtu) {
    server = await startRtuServer(devices, options.rtu)
    endpoint = `rtu ${server.address}`
  } else {
    throw new Error('startSimulator needs tcp or rtu')
  }
  return { devices, endpoint, close: () => server.close() }
}
