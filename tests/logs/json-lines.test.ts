import { describe, expect, it } from 'vitest'
import { duplicateKeys, lineProblems } from './json-lines.ts'

describe('duplicateKeys: what JSON.parse does not show', () => {
  it.each<[string, string[]]>([
    ['{"level":40,"msg":"x","level":"alarm"}', ['level']],
    ['{"a":{"a":1},"b":[{"a":1},{"a":2}]}', []],
    ['{"event":{"level":"alarm","kind":"level"},"level":40}', []],
    ['{"x":[1,{"b":1,"b":2}],"x":0}', ['b', 'x']],
    ['{"a":"\\",\\"a\\":1","c":"}{["}', []],
    ['{"\\u006cevel":"alarm","level":40}', ['level']],
    ['{"a\\\\":1,"a":2}', []],
    ['[]', []],
  ])('%s → %o', (json, keys) => {
    expect(duplicateKeys(json)).toEqual(keys)
  })
})

describe('lineProblems', () => {
  it('a pino line is fine; a clash, a level that is not a number, or no JSON is not', () => {
    expect(lineProblems('{"level":30,"time":1,"msg":"ok"}')).toEqual([])
    expect(lineProblems('{"level":40,"time":1,"level":"alarm","msg":"alarm raised"}')).toEqual([
      'key "level" twice: {"level":40,"time":1,"level":"alarm","msg":"alarm raised"}',
      'level "alarm" is not pino\'s number: {"level":40,"time":1,"level":"alarm","msg":"alarm raised"}',
    ])
    expect(lineProblems('edge-agent: oops')[0]).toMatch(/^not JSON/u)
  })
})
