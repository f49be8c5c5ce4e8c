/** Arguments of the agent's commands that name Modbus units and endpoints; a bad one is a UsageError (exit 2). */
import { parseInteger, UsageError } from '../../../protocols/cli/index.ts'

/** `5`, `1,2,3`, `1-3` or a mix (`1-3,7`) → unit ids 1..247. */
export function parseUnitList(text: string): number[] {
  const units = new Set<number>()
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/u.exec(part)
    if (range) {
      const from = parseInteger(range[1]!, 'unit id', 1, 247)
      const to = parseInteger(range[2]!, 'unit id', 1, 247)
      if (from > to) throw new UsageError(`unit range ${part.trim()} runs backwards`)
      for (let u = from; u <= to; u++) units.add(u)
    } else {
      units.add(parseInteger(part, 'unit id', 1, 247))
    }
  }
  return [...units].sort((a, b) => a - b)
}

/** `HOST:PORT` (port 0 = any free port) */
export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/u.exec(text)
  if (!match) throw new UsageError(`expected HOST:PORT, got "${text}"`)
  return { host: match[1]!, port: parseInteger(match[2]!, 'port', 0, 65535) }
}
