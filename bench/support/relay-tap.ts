import type { SimulatedDevice } from '../../edge-agent/src/simulator/index.ts'

/** Coil writes arriving at the relay, awaited by coil index and value. */
export class RelayTap {
  private readonly waiters = new Map<string, (at: number) => void>()
  /** writes nobody waited for: a trip or restore the bench did not cause */
  unexpected: string[] = []
  writes = 0

  constructor(device: SimulatedDevice) {
    const original = device.write.bind(device)
    device.write = (table: 'coil' | 'holding', address: number, values: readonly number[]) => {
      const at = performance.now()
      original(table, address, values)
      if (table !== 'coil') return
      for (let i = 0; i < values.length; i++) {
        this.writes++
        const key = `${address + i}=${values[i]}`
        const waiter = this.waiters.get(key)
        if (waiter) {
          this.waiters.delete(key)
          waiter(at)
        } else if (this.unexpected.length < 20) this.unexpected.push(`coil ${key} at ${(at / 1000).toFixed(3)} s`)
      }
    }
  }

  /** Arm before causing the write; resolves with its arrival time, or undefined after `timeoutMs`. */
  expect(coil: number, value: 0 | 1, timeoutMs: number): Promise<number | undefined> {
    const key = `${coil}=${value}`
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key)
        resolve(undefined)
      }, timeoutMs)
      this.waiters.set(key, (at) => {
        clearTimeout(timer)
        resolve(at)
      })
    })
  }
}
