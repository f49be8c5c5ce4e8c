/**
 * A minimal Modbus TCP load client, run as its own process so the server under test is what gets
 * measured: ONE connection, strictly sequential requests (the next request leaves only after the
 * previous answer arrived), FC 3 or 4, raw socket with TCP_NODELAY, ~a few µs of CPU per request.
 *
 *   node --import tsx bench/support/tcp-load-client.ts --port N [--host 127.0.0.1] [--unit 1]
 *        [--fc 3] [--address 0] [--count 10] [--seconds 5] [--warmup-seconds 0.5]
 *
 * Prints one line: `result {"requests":…,"seconds":…,"perSecond":…,"exceptions":…,"errors":[…]}`.
 * Every answer is checked (transaction id, function, byte count); an exception answer is counted,
 * a malformed one ends the run with an error.
 */
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'

export interface LoadOptions {
  host: string
  port: number
  unit: number
  fc: 3 | 4
  address: number
  count: number
  seconds: number
  warmupSeconds: number
}

export interface LoadResult {
  requests: number
  seconds: number
  perSecond: number
  exceptions: number
  errors: string[]
}

function request(tid: number, o: LoadOptions): Buffer {
  const frame = Buffer.alloc(12)
  frame.writeUInt16BE(tid, 0)
  frame.writeUInt16BE(0, 2)
  frame.writeUInt16BE(6, 4)
  frame[6] = o.unit
  frame[7] = o.fc
  frame.writeUInt16BE(o.address, 8)
  frame.writeUInt16BE(o.count, 10)
  return frame
}

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: o.host, port: o.port })
    socket.setNoDelay(true)
    const errors: string[] = []
    let tid = 0
    let pending: Buffer = Buffer.alloc(0)
    let measuring = false
    let requests = 0
    let exceptions = 0
    let startNs = 0n
    let finished = false
    let done = false
    const startedAt = process.hrtime.bigint()
    const warmupNs = BigInt(Math.round(o.warmupSeconds * 1e9))
    const runNs = BigInt(Math.round(o.seconds * 1e9))

    const finish = (): void => {
      if (done) return
      done = true
      const seconds = measuring ? Number(process.hrtime.bigint() - startNs) / 1e9 : 0
      socket.destroy()
      resolve({ requests, seconds, perSecond: seconds > 0 ? requests / seconds : 0, exceptions, errors })
    }
    const send = (): void => {
      tid = (tid + 1) & 0xffff
      socket.write(request(tid, o))
    }
    const guard = setTimeout(() => {
      errors.push(`gave up after ${o.warmupSeconds + o.seconds + 10} s: no answer to request ${tid}`)
      finish()
    }, (o.warmupSeconds + o.seconds + 10) * 1000)

    socket.on('connect', send)
    socket.on('error', (error) => {
      errors.push(error.message)
      finish()
    })
    socket.on('close', () => {
      if (!finished) errors.push('the server closed the connection')
      clearTimeout(guard)
      finish()
    })
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 6) {
        const end = 6 + pending.readUInt16BE(4)
        if (pending.length < end) return
        const frame = pending.subarray(0, end)
        pending = pending.subarray(end)
        const gotTid = frame.readUInt16BE(0)
        const fc = frame[7]
        if (gotTid !== tid) {
          errors.push(`answer to transaction ${gotTid}, expected ${tid}`)
          finished = true
          finish()
          return
        }
        if (fc === (o.fc | 0x80)) exceptions++
        else if (fc !== o.fc || frame[8] !== o.count * 2 || frame.length !== 9 + o.count * 2) {
          errors.push(`malformed answer ${frame.toString('hex')}`)
          finished = true
          finish()
          return
        }
        const now = process.hrtime.bigint()
        if (!measuring) {
          if (now - startedAt >= warmupNs) {
            measuring = true
            startNs = now
          }
        } else {
          requests++
          if (now - startNs >= runNs) {
            finished = true
            clearTimeout(guard)
            finish()
            return
          }
        }
        send()
      }
    })
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      unit: { type: 'string', default: '1' },
      fc: { type: 'string', default: '3' },
      address: { type: 'string', default: '0' },
      count: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '5' },
      'warmup-seconds': { type: 'string', default: '0.5' },
    },
  })
  if (!values.port) throw new Error('--port is required')
  const fc = Number(values.fc)
  if (fc !== 3 && fc !== 4) throw new Error('--fc must be 3 or 4')
  const result = await runLoad({
    host: values.host!,
    port: Number(values.port),
    unit: Number(values.unit),
    fc,
    address: Number(values.address),
    count: Number(values.count),
    seconds: Number(values.seconds),
    warmupSeconds: Number(values['warmup-seconds']),
  })
  console.log(`result ${JSON.stringify(result)}`)
}

await main()
