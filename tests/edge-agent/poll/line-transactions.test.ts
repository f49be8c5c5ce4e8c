/** Unit: the silence a serial line keeps between frames, timed on the injected clock. */
import { describe, expect, it } from 'vitest'
import type { ModbusMaster, ModbusReply, ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { LineTransactions } from '../../../edge-agent/src/poll/line-transactions.ts'
import { ModbusTimeoutError } from '../../../protocols/modbus/index.ts'
import { ManualClock } from './manual-clock.ts'

/** A master whose answers the test gives: each execute() waits until answer() or fail(). */
class ScriptedMaster implements ModbusMaster {
  isOpen = true
  lastByte: number | undefined
  discarded = 0
  readonly sent: { unit: number; at: number }[] = []
  private pending: { resolve: (reply: ModbusReply) => void; reject: (error: unknown) => void } | undefined
  constructor(private readonly clock: ManualClock) {}
  async open() {}
  async close() {}
  onClose() {}
  discardInput() {
    this.discarded++
  }
  lastByteAt() {
    return this.lastByte
  }
  execute(request: ModbusRequest): Promise<ModbusReply> {
    this.sent.push({ unit: request.unit, at: this.clock.monotonic() })
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }))
  }
  answer() {
    this.pending!.resolve([1])
  }
  fail() {
    this.pending!.reject(new ModbusTimeoutError(100))
  }
}

const read = (unit: number): ModbusRequest => ({ kind: 'read', unit, table: 'holding', address: 0, count: 1 })

function line(silenceMs: number, timeoutMs = 100) {
  const clock = new ManualClock()
  clock.monotonicMs = 1000
  const master = new ScriptedMaster(clock)
  return { clock, master, transactions: new LineTransactions(master, { silenceMs, timeoutMs }, clock) }
}

describe('LineTransactions', () => {
  it('on a line that has been quiet long enough the request goes out before transact() returns', () => {
    const { master, transactions } = line(4)
    void transactions.transact(read(1))
    expect(master.sent).toEqual([{ unit: 1, at: 1000 }])
    expect(master.discarded).toBe(1)
  })

  it('waits t3.5 after the last frame, on the injected clock', async () => {
    const { clock, master, transactions } = line(4)
    const first = transactions.transact(read(1))
    await clock.advance(10)
    master.answer()
    await first
    void transactions.transact(read(2))
    expect(master.sent).toHaveLength(1)
    await clock.advance(3.5)
    expect(master.sent).toHaveLength(1)
    await clock.advance(0.5)
    expect(master.sent).toEqual([{ unit: 1, at: 1000 }, { unit: 2, at: 1014 }])
  })

  it('and after the last byte received, when that came later (a late answer)', async () => {
    const { clock, master, transactions } = line(4)
    const first = transactions.transact(read(1))
    master.answer()
    await first
    master.lastByte = 1002
    void transactions.transact(read(2))
    await clock.advance(5)
    expect(master.sent).toHaveLength(1)
    await clock.advance(1)
    expect(master.sent.at(-1)).toEqual({ unit: 2, at: 1006 })
  })

  it('after a failure asks that unit again only after a whole timeout of quiet; another unit after t3.5', async () => {
    const { clock, master, transactions } = line(4, 100)
    const failed = transactions.transact(read(7)).catch(() => 'failed')
    master.fail()
    expect(await failed).toBe('failed')
    void transactions.transact(read(3))
    await clock.advance(4)
    expect(master.sent.at(-1)).toEqual({ unit: 3, at: 1004 })
    master.answer()
    await clock.advance(0)
    void transactions.transact(read(7))
    await clock.advance(99)
    expect(master.sent.at(-1)!.unit).toBe(3)
    await clock.advance(1)
    expect(master.sent.at(-1)).toEqual({ unit: 7, at: 1104 })
  })

  it('gives up waiting after ten times the quiet time when bytes keep coming', async () => {
    const { clock, master, transactions } = line(4)
    master.lastByte = 1000
    void transactions.transact(read(1))
    for (let t = 0; t < 50; t++) {
      master.lastByte = clock.monotonic()
      await clock.advance(1)
    }
    expect(master.sent).toEqual([{ unit: 1, at: 1040 }])
  })

  it('on TCP (no silence) never waits, and counts transactions and the time spent in them', async () => {
    const { clock, master, transactions } = line(0)
    const first = transactions.transact(read(1))
    expect(master.sent).toHaveLength(1)
    await clock.advance(3)
    master.answer()
    await first
    const second = transactions.transact(read(1)).catch(() => undefined)
    expect(master.sent).toHaveLength(2)
    await clock.advance(2)
    master.fail()
    await second
    expect([transactions.transactions, transactions.busyMs]).toEqual([2, 5])
  })
})
