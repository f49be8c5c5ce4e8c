/** Unit: the urgent write queue, first come first served. */
import { describe, expect, it } from 'vitest'
import type { WriteRequest } from '../../../edge-agent/src/modbus/master.ts'
import { WriteQueue } from '../../../edge-agent/src/poll/write-queue.ts'
import { ModbusTransportError } from '../../../protocols/modbus/index.ts'

const coil = (unit: number, address = 0): WriteRequest => ({ kind: 'write-coil', unit, address, value: true })

describe('WriteQueue', () => {
  it('hands writes out first come, first served; each settles as its transaction does', async () => {
    const queue = new WriteQueue()
    expect(queue.isEmpty).toBe(true)
    const first = queue.enqueue(coil(5, 0))
    const second = queue.enqueue(coil(5, 1))
    expect(queue.isEmpty).toBe(false)
    const a = queue.takeFirst()!
    const b = queue.takeFirst()!
    expect([a.request, b.request]).toEqual([coil(5, 0), coil(5, 1)])
    expect(queue.takeFirst()).toBeUndefined()
    a.resolve()
    b.reject(new Error('exception 02'))
    await expect(first).resolves.toBeUndefined()
    await expect(second).rejects.toThrow('exception 02')
  })

  it('lets a poll of one unit take writes to other units first, never one to the unit being polled', () => {
    const queue = new WriteQueue()
    void queue.enqueue(coil(5))
    void queue.enqueue(coil(1))
    void queue.enqueue(coil(5))
    expect(queue.hasWriteAheadOf(5)).toBe(false)
    expect(queue.takeFirstNotFor(5)).toBeUndefined()
    expect(queue.hasWriteAheadOf(1)).toBe(true)
    expect(queue.takeFirstNotFor(1)!.request).toEqual(coil(5))
    // the next one is for unit 1 itself: it waits for that poll's reads
    expect(queue.hasWriteAheadOf(1)).toBe(false)
    expect(queue.takeFirstNotFor(1)).toBeUndefined()
    expect(new WriteQueue().hasWriteAheadOf(1)).toBe(false)
  })

  it('rejectAll refuses every queued write with MODBUS_TRANSPORT, saying why and to which unit', async () => {
    const queue = new WriteQueue()
    const writes = [queue.enqueue(coil(5)), queue.enqueue(coil(6))].map((w) => w.catch((e: unknown) => e))
    queue.rejectAll('line usb0 down: EIO')
    const [five, six] = await Promise.all(writes)
    expect(five).toBeInstanceOf(ModbusTransportError)
    expect([five, six].map((e) => [(e as ModbusTransportError).code, (e as Error).message])).toEqual([
      ['MODBUS_TRANSPORT', 'line usb0 down: EIO, cannot write to unit 5'],
      ['MODBUS_TRANSPORT', 'line usb0 down: EIO, cannot write to unit 6'],
    ])
    expect(queue.isEmpty).toBe(true)
  })
})
