import { describe, expect, it } from 'vitest'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { loadLibrary } from '../../../hardware-profiles/index.ts'

const kdg4 = loadLibrary().find((p) => p.id === 'generic-kdg4-power-cut-controller')!

function relay(scenario: 'static' | 'stuck') {
  let now = 1_000_000
  const device = new SimulatedDevice({ profile: kdg4, unit: 5, scenario, feedbackDelayMs: 300, clock: () => now })
  return { device, advance: (ms: number) => { now += ms } }
}

/** feed_1..feed_4: 1 while the area still has power (the feedback is the inverse of its cut output). */
const feeds = (device: SimulatedDevice) => device.read('discrete', 0, 4)

describe('the KDG-4 power-cut controller as a commissioning test meets it', () => {
  it('static: feed_1 follows a written cut_1 once --feedback-delay-ms has passed, and only that area', () => {
    const { device, advance } = relay('static')
    expect(feeds(device)).toEqual([1, 1, 1, 1])
    device.write('coil', 0, [1])
    expect(device.read('coil', 0, 4)).toEqual([1, 0, 0, 0])
    advance(299)
    expect(feeds(device)).toEqual([1, 1, 1, 1])
    advance(1)
    expect(feeds(device)).toEqual([0, 1, 1, 1])
    device.write('coil', 0, [0])
    advance(300)
    expect(feeds(device)).toEqual([1, 1, 1, 1])
  })

  it('stuck: the write is acknowledged, yet neither cut_1 nor feed_1 ever changes', () => {
    const { device, advance } = relay('stuck')
    device.write('coil', 0, [1])
    for (const ms of [300, 10_000, 3_600_000]) {
      advance(ms)
      expect(device.read('coil', 0, 4)).toEqual([0, 0, 0, 0])
      expect(feeds(device)).toEqual([1, 1, 1, 1])
    }
  })
})
