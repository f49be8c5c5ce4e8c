import { describe, expect, it } from 'vitest'
import { LineSplitter, parseRequest } from '../../../edge-agent/src/control/protocol.ts'

const line = (body: unknown) => JSON.stringify(body)

describe('control protocol: parseRequest', () => {
  it('accepts each command with valid args', () => {
    const cases: [string, unknown][] = [
      ['ack-alarm', { device: 'ch4-1', channel: 'ch4', kind: 'level', by: 'alice' }],
      ['ack-alarm', { all: true }],
      ['reset-interlock', { interlock: 'fan-1' }],
      ['bypass-interlock', { interlock: 'fan-1', reason: 'calibration', minutes: 30, by: 'bob' }],
      ['end-bypass', { interlock: 'fan-1' }],
      ['safety-status', {}],
    ]
    for (const [command, args] of cases) {
      expect(parseRequest(line({ v: 1, id: 'r1', command, args }))).toEqual({ ok: true, id: 'r1', command, args })
    }
  })

  it('refuses a line that is not JSON, with id "-"', () => {
    const parsed = parseRequest('{"v":1,')
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) {
      expect(parsed.reply).toMatchObject({ v: 1, id: '-', ok: false })
      expect(parsed.reply.message).toMatch(/^invalid request: not JSON/u)
    }
  })

  it('refuses an envelope that breaks the schema, keeping a readable id', () => {
    const parsed = parseRequest(line({ v: 2, id: 'x7', command: 'ack-alarm', args: {}, extra: 1 }))
    expect(parsed).toMatchObject({ ok: false, reply: { id: 'x7', ok: false } })
    if (!parsed.ok) {
      expect(parsed.reply.message).toContain('request.v')
      expect(parsed.reply.message).toContain('unknown key "extra"')
    }
    expect(parseRequest('[1,2]')).toMatchObject({ ok: false, reply: { id: '-' } })
    expect(parseRequest('null')).toMatchObject({ ok: false, reply: { id: '-' } })
  })

  it('names the commands when the command is unknown', () => {
    const parsed = parseRequest(line({ v: 1, id: 'a', command: 'self-destruct', args: {} }))
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) {
      expect(parsed.reply.message).toBe('unknown command self-destruct; one of ack-alarm, reset-interlock, bypass-interlock, end-bypass, safety-status, test-mode, end-test-mode, test-feed, record-run')
    }
  })

  it('checks args against the command\'s schema and says where', () => {
    const cases: [string, unknown, RegExp][] = [
      ['bypass-interlock', { interlock: 'fan-1', reason: 'cal', minutes: 0 }, /args\.minutes: must be >= 1/u],
      ['bypass-interlock', { interlock: 'fan-1', reason: 'cal', minutes: 1.5 }, /args\.minutes: must be integer/u],
      ['bypass-interlock', { interlock: 'fan-1', minutes: 5 }, /missing key "reason"/u],
      ['reset-interlock', { interlock: 'fan-1', colour: 'red' }, /unknown key "colour"/u],
      ['ack-alarm', { device: 'd', channel: 'c', kind: 'bogus' }, /args\.kind: must be equal to one of the allowed values/u],
      ['ack-alarm', { all: false }, /args\.all/u],
      ['safety-status', { verbose: true }, /unknown key "verbose"/u],
      ['end-bypass', 'fan-1', /args: must be object/u],
    ]
    for (const [command, args, pattern] of cases) {
      const parsed = parseRequest(line({ v: 1, id: 'a', command, args }))
      expect(parsed.ok, `${command} ${JSON.stringify(args)}`).toBe(false)
      if (!parsed.ok) {
        expect(parsed.reply.message).toMatch(new RegExp(`^invalid arguments for ${command}: `, 'u'))
        expect(parsed.reply.message).toMatch(pattern)
      }
    }
  })
})

describe('control protocol: LineSplitter', () => {
  const split = (max: number) => {
    const lines: string[] = []
    let overflows = 0
    const splitter = new LineSplitter(max, (l) => lines.push(l), () => overflows++)
    return { splitter, lines, overflows: () => overflows }
  }

  it('joins chunks, splits on newlines, skips blank lines and a trailing CR', () => {
    const { splitter, lines } = split(100)
    splitter.push(Buffer.from('ab'))
    splitter.push(Buffer.from('c\r\n\n  \nde'))
    splitter.push(Buffer.from('f\ng'))
    expect(lines).toEqual(['abc', 'def'])
    expect(splitter.pending).toBe(1)
  })

  it('reports an over-long line once and resumes after its newline', () => {
    const { splitter, lines, overflows } = split(10)
    splitter.push(Buffer.from('x'.repeat(8)))
    splitter.push(Buffer.from('x'.repeat(8)))
    splitter.push(Buffer.from('x'.repeat(50)))
    splitter.push(Buffer.from('xx\nok\n'))
    expect(overflows()).toBe(1)
    expect(lines).toEqual(['ok'])
  })

  it('keeps multi-byte characters split across chunks whole', () => {
    const { splitter, lines } = split(100)
    const bytes = Buffer.from('甲烷\n')
    splitter.push(bytes.subarray(0, 2))
    splitter.push(bytes.subarray(2))
    expect(lines).toEqual(['甲烷'])
  })
})
