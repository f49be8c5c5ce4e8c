import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { searchBus, type SearchPlan } from '../../../edge-agent/src/scan/search.ts'
import { LIKELY_UNITS, scanSettings, settingLabel, splitLastResort, type SerialSetting } from '../../../edge-agent/src/scan/settings.ts'
import { probeTimeoutMs } from '../../../edge-agent/src/scan/timing.ts'
import { ModelledBus, type ModelledDevice } from './uart-model.ts'

const ALL_UNITS = Array.from({ length: 247 }, (_, i) => i + 1)
const plan = (overrides: Partial<SearchPlan> = {}): SearchPlan => ({
  ...splitLastResort(scanSettings()),
  units: ALL_UNITS,
  exhaustive: false,
  timeoutMs: (s) => probeTimeoutMs(s!, 50),
  ...overrides,
})
const at = (baud: number, parity: SerialSetting['parity'] = 'none', stopBits: 1 | 2 = 1): SerialSetting => ({ baud, parity, stopBits })
const found = (finds: { unit: number; setting: SerialSetting | undefined }[]) => finds.map((f) => `${f.unit}@${settingLabel(f.setting!)}`)

describe('the bus search against a modelled RS-485 line', () => {
  it('finds likely and unlikely ids at the setting they run at, parity told apart by clean reads', async () => {
    const bus = new ModelledBus([
      { unit: 3, setting: at(19200, 'even') },
      { unit: 17, setting: at(19200, 'even'), exception: true },
      { unit: 200, setting: at(19200, 'even') },
    ])
    const result = await searchBus(bus, plan())
    expect(found(result.finds)).toEqual(['3@19200 8E1', '17@19200 8E1', '200@19200 8E1'])
    expect(result.finds.find((f) => f.unit === 17)?.answer).toBe('exception')
  })

  it('does not sweep the other ids at a setting where no likely id answered, unless exhaustive', async () => {
    const devices: ModelledDevice[] = [{ unit: 1, setting: at(9600) }, { unit: 100, setting: at(4800, 'odd') }]
    expect(found((await searchBus(new ModelledBus(devices), plan())).finds)).toEqual(['1@9600 8N1'])
    expect(found((await searchBus(new ModelledBus(devices), plan({ exhaustive: true }))).finds)).toEqual(['1@9600 8N1', '100@4800 8O1'])
  })

  it('probes the likely ids at every setting, then the rest only where something answered', async () => {
    const bus = new ModelledBus([{ unit: 5, setting: at(38400) }])
    const observed: string[] = []
    const result = await searchBus(bus, plan(), { probed: (s, unit) => observed.push(`${settingLabel(s!)}#${unit}`) })
    const { settings } = splitLastResort(scanSettings())
    const firstPhase = observed.slice(0, settings.length * LIKELY_UNITS.length)
    expect(new Set(firstPhase.map((x) => x.split('#')[0])).size).toBe(settings.length)
    const sweep = observed.slice(settings.length * LIKELY_UNITS.length).filter((x) => !LIKELY_UNITS.includes(Number(x.split('#')[1])))
    expect(new Set(sweep.map((x) => x.split('#')[0]))).toEqual(new Set(['38400 8N1']))
    expect(sweep).toHaveLength(247 - LIKELY_UNITS.length)
    expect(result.probes).toBe(observed.length)
  })

  it('tries 2 stop bits only when nothing answered: a device set to 2 that checks only the first answers at 1', async () => {
    const lenient = new ModelledBus([{ unit: 2, setting: at(9600, 'none', 2) }])
    const observed: string[] = []
    const result = await searchBus(lenient, plan(), { probed: (s) => observed.push(settingLabel(s!)) })
    expect(found(result.finds)).toEqual(['2@9600 8N1'])
    expect(observed.some((s) => s.endsWith('2'))).toBe(false)
  })

  it('finds a device that checks both stop bits at the last resort', async () => {
    const strict = new ModelledBus([{ unit: 2, setting: at(19200, 'none', 2), strictStopBits: true }, { unit: 90, setting: at(19200, 'none', 2), strictStopBits: true }])
    const result = await searchBus(strict, plan())
    expect(found(result.finds)).toEqual(['2@19200 8N2', '90@19200 8N2'])
  })

  it('finds every device of a bus at any of the settings, with the right baud and parity', async () => {
    const { settings } = splitLastResort(scanSettings())
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...settings),
      fc.uniqueArray(fc.integer({ min: 1, max: 247 }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 16 }),
      async (setting, units, likely) => {
        const ids = [...new Set([likely, ...units])].sort((a, b) => a - b)
        const result = await searchBus(new ModelledBus(ids.map((unit) => ({ unit, setting }))), plan())
        expect(found(result.finds)).toEqual(ids.map((u) => `${u}@${settingLabel(setting)}`))
      },
    ), { numRuns: 12 })
  })

  it('probes ids asked for at every setting when none of them is a likely one', async () => {
    const result = await searchBus(new ModelledBus([{ unit: 200, setting: at(4800, 'odd') }]), plan({ units: [199, 200] }))
    expect(found(result.finds)).toEqual(['200@4800 8O1'])
  })

  it('reads the narrowed list only', async () => {
    const bus = new ModelledBus([{ unit: 9, setting: at(9600, 'even') }])
    const result = await searchBus(bus, plan({ ...splitLastResort(scanSettings([9600], ['even'])), units: [8, 9, 10] }))
    expect(found(result.finds)).toEqual(['9@9600 8E1'])
    expect(bus.probes).toBe(3)
  })
})
