import { describe, expect, it } from 'vitest'
import { ModbusTimeoutError } from '../../../protocols/modbus/index.ts'
import type { ModbusMaster, ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { readBlock } from '../../../edge-agent/src/read/index.ts'

/** A master that answers each read with the next of `answers` and remembers what it was asked. */
function fakeMaster(answers: (number[] | Error)[]): ModbusMaster & { asked: [ModbusRequest, number][] } {
  const asked: [ModbusRequest, number][] = []
  return {
    asked,
    isOpen: true,
    open: async () => {},
    close: async () => {},
    discardInput: () => {},
    lastByteAt: () => undefined,
    onClose: () => {},
    execute: async (request, timeoutMs) => {
      asked.push([request, timeoutMs])
      const answer = answers.shift()
      if (answer === undefined) throw new Error('asked once too often')
      if (answer instanceof Error) throw answer
      return answer
    },
  }
}

describe('readBlock', () => {
  it('reads a register block --reads times with the timeout, oldest first', async () => {
    const master = fakeMaster([[1, 2], [3, 4], [5, 6]])
    const request = { unit: 7, table: 'input', address: 30, count: 2 } as const
    expect(await readBlock(master, request, { reads: 3, timeoutMs: 400, spacingMs: 0 })).toEqual([[1, 2], [3, 4], [5, 6]])
    expect(master.asked).toEqual(Array.from({ length: 3 }, () => [{ kind: 'read', ...request }, 400]))
  })

  it('reads a bit block once: bits have no word order to judge', async () => {
    const master = fakeMaster([[1, 0, 1]])
    expect(await readBlock(master, { unit: 1, table: 'coil', address: 0, count: 3 }, { reads: 3, timeoutMs: 400, spacingMs: 0 })).toEqual([[1, 0, 1]])
    expect(master.asked).toHaveLength(1)
  })

  it('passes the master\'s typed error on', async () => {
    const master = fakeMaster([[1, 2], new ModbusTimeoutError(400, '(unit 7 on gw:502)')])
    await expect(readBlock(master, { unit: 7, table: 'holding', address: 0, count: 2 }, { reads: 3, timeoutMs: 400, spacingMs: 0 }))
      .rejects.toThrow('no answer within 400 ms (unit 7 on gw:502)')
  })

  it('stops waiting between reads when aborted', async () => {
    const master = fakeMaster([[1, 2], [3, 4]])
    const stop = new AbortController()
    stop.abort()
    await expect(readBlock(master, { unit: 7, table: 'holding', address: 0, count: 2 }, { reads: 2, timeoutMs: 400, signal: stop.signal }))
      .rejects.toMatchObject({ name: 'AbortError' })
    expect(master.asked).toHaveLength(1)
  })
})
