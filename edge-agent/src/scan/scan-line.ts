import { setTimeout as sleep } from 'node:timers/promises'
import type { Profile } from '../../../hardware-profiles/index.ts'
import {
  ModbusExceptionError, ModbusFrameError, ModbusTimeoutError, silenceMs,
} from '../../../protocols/modbus/index.ts'
import { ModbusSerialMaster } from '../modbus/modbus-serial-master.ts'
import type { ScanTarget } from './draft.ts'
import { FLOAT_SEARCH } from './floats.ts'
import { identifyDevice, type Identification } from './identify.ts'
import { searchBus, type Find, type ProbeLine, type ProbeOutcome, type SearchObserver, type SearchResult } from './search.ts'
import { splitLastResort, type SerialSetting } from './settings.ts'
import { preferFactoryFraming } from './tie-break.ts'
import { identifyTimeoutMs, probeTimeoutMs, PROBE } from './timing.ts'

/** A Modbus gateway's own exceptions: no device answered behind it (0x0A path unavailable, 0x0B no response). */
const GATEWAY_NO_DEVICE = new Set([0x0a, 0x0b])

export interface ScanOptions {
  target: ScanTarget
  /** RTU only, in the order to try */
  settings: readonly SerialSetting[]
  units: readonly number[]
  exhaustive: boolean
  turnaroundMs: number
  /** a TCP probe's timeout: there is no wire time to size it from */
  tcpTimeoutMs: number
  profiles: readonly Profile[]
  observer?: SearchObserver & { identifying?(unit: number): void }
}

export type FoundDevice = Find & Identification

export interface ScanReport {
  devices: FoundDevice[]
  garbledAt: SerialSetting[]
  probes: number
  /** a TCP endpoint that answered at every id it was asked: it ignores the unit id */
  ignoresUnitId: boolean
  /** how long finding the devices took, before identifying them */
  searchMs: number
}

/** One physical line the scan drives: reopened at each serial setting, one connection on TCP. */
class ScanLine implements ProbeLine {
  private master: ModbusSerialMaster | undefined
  private setting: SerialSetting | undefined

  constructor(private readonly target: ScanTarget) {}

  async use(setting: SerialSetting | undefined): Promise<void> {
    if (this.master && this.target.kind === 'tcp') return
    await this.close()
    const master = this.target.kind === 'rtu'
      ? new ModbusSerialMaster({ kind: 'rtu', path: this.target.path, baud: setting!.baud, parity: setting!.parity, dataBits: 8, stopBits: setting!.stopBits })
      : new ModbusSerialMaster({ kind: 'tcp', host: this.target.host, port: this.target.port })
    await master.open()
    this.master = master
    this.setting = setting
  }

  async probe(unit: number, address: number, timeoutMs: number): Promise<ProbeOutcome> {
    try {
      await this.transact({ kind: 'read', unit, table: PROBE.table, address, count: PROBE.count }, timeoutMs)
      return 'answer'
    } catch (error) {
      if (error instanceof ModbusExceptionError) return GATEWAY_NO_DEVICE.has(error.exceptionCode) ? 'silent' : 'exception'
      if (error instanceof ModbusTimeoutError) return 'silent'
      if (error instanceof ModbusFrameError) return 'garbled'
      throw error
    }
  }

  /** One request, with the line quiet before it and nothing left over from the last one. */
  readonly transact = async (request: Parameters<ModbusSerialMaster['execute']>[0], timeoutMs: number) => {
    const master = this.master!
    master.discardInput()
    let quiet = false
    try {
      return await master.execute(request, timeoutMs)
    } catch (error) {
      // a timeout has waited out the line's silence already (the probe timeout counts two t3.5)
      quiet = error instanceof ModbusTimeoutError
      throw error
    } finally {
      if (this.setting && !quiet) await sleep(silenceMs({ ...this.setting, dataBits: 8 }))
    }
  }

  async close(): Promise<void> {
    const master = this.master
    this.master = undefined
    await master?.close()
  }
}

type SearchOptions = Omit<ScanOptions, 'profiles'>

async function search(line: ScanLine, options: SearchOptions): Promise<SearchResult> {
  const { settings, lastResort } = options.target.kind === 'rtu' ? splitLastResort(options.settings) : { settings: [undefined], lastResort: [] }
  const timeoutMs = (setting: SerialSetting | undefined) => (setting ? probeTimeoutMs(setting, options.turnaroundMs) : options.tcpTimeoutMs)
  return searchBus(line, { settings, lastResort, units: options.units, exhaustive: options.exhaustive, timeoutMs }, options.observer)
}

/** Only find the devices (for the benchmark of the search itself). */
export async function searchLine(options: SearchOptions): Promise<SearchResult> {
  const line = new ScanLine(options.target)
  try {
    return await search(line, options)
  } finally {
    await line.close()
  }
}

/** Find the devices on a line and identify each. */
export async function scanLine(options: ScanOptions): Promise<ScanReport> {
  const line = new ScanLine(options.target)
  try {
    const started = performance.now()
    const found = await search(line, options)
    const searchMs = performance.now() - started
    const ignoresUnitId = options.target.kind === 'tcp' && options.units.length > 1 && found.finds.length === options.units.length
    const finds = ignoresUnitId ? found.finds.slice(0, 1) : found.finds
    const devices: FoundDevice[] = []
    for (const find of finds) {
      options.observer?.identifying?.(find.unit)
      await line.use(find.setting)
      const identification = await identifyDevice(line.transact, find.unit, options.profiles,
        find.setting ? identifyTimeoutMs(find.setting, options.turnaroundMs) : options.tcpTimeoutMs * 3, () => sleep(FLOAT_SEARCH.apartMs))
      devices.push({ ...find, ...identification })
    }
    return { devices: preferFactoryFraming(devices, options.profiles), garbledAt: found.garbledAt, probes: found.probes, ignoresUnitId, searchMs }
  } finally {
    await line.close()
  }
}
