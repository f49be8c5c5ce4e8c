import type { Profile } from '../../../hardware-profiles/index.ts'
import type { SerialFraming } from '../../../protocols/modbus/index.ts'
import { startControlServer } from './control-server.ts'
import { SimulatedDevice } from './device.ts'
import { gasControlOf, type GasControl } from './gas-control.ts'
import type { GasTestOptions } from './gas-test.ts'
import { startRtuServer } from './rtu-server.ts'
import type { ScenarioName } from './scenarios.ts'
import { startTcpServer, type RunningServer } from './tcp-server.ts'

export { SimulatedDevice } from './device.ts'
export { DEFAULT_GAS_T90_MS } from './gas-response.ts'
export { isLoopback } from './control-server.ts'
export type { GasControl, GasControlReply } from './gas-control.ts'
export type { GasChannelState, GasTestOptions } from './gas-test.ts'
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
  /** T90 and noise of the gas-test devices. */
  gas?: GasTestOptions
  /** Serve the gas control as newline-delimited JSON on this loopback address (port 0: any free port). */
  control?: { host: string; port: number }
}

/** The running simulator; its GasControl methods drive the gas-test devices in process. */
export interface Simulator extends GasControl {
  devices: ReadonlyMap<number, SimulatedDevice>
  /** `tcp HOST:PORT` or `rtu PATH` */
  endpoint: string
  /** `HOST:PORT` the gas control listens on, when asked for. */
  control: string | undefined
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
      ...(options.gas && { gas: options.gas }),
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
  const gas = gasControlOf(devices)
  const control = options.control && await startControlServer(gas, options.control.host, options.control.port).catch(async (error: unknown) => {
    await server.close()
    throw error
  })
  return {
    devices, endpoint, ...gas,
    control: control ? control.address : undefined,
    close: async () => {
      await control?.close()
      await server.close()
    },
  }
}
