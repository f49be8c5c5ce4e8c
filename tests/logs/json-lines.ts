/**
 * Log lines as a reader of them sees them: JSON.parse keeps the last of two equal keys without a
 * word, so a line `{"level":40,…,"level":"alarm"}` parses as an alarm of severity "alarm". These
 * helpers read the raw text too.
 */

/** The keys that occur more than once in one object of a valid JSON text (each repeat listed). */
export function duplicateKeys(json: string): string[] {
  const repeated: string[] = []
  // one frame per open object (its keys so far, and whether a key comes next) or array (no keys)
  const frames: { keys: Set<string> | undefined; keyNext: boolean }[] = []
  for (let i = 0; i < json.length; i++) {
    const c = json[i]
    if (c === '"') {
      let end = i + 1
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1
      const frame = frames.at(-1)
      if (frame?.keys && frame.keyNext) {
        const key = JSON.parse(json.slice(i, end + 1)) as string
        if (frame.keys.has(key)) repeated.push(key)
        else frame.keys.add(key)
        frame.keyNext = false
      }
      i = end
    } else if (c === '{') frames.push({ keys: new Set(), keyNext: true })
    else if (c === '[') frames.push({ keys: undefined, keyNext: false })
    else if (c === '}' || c === ']') frames.pop()
    else if (c === ',') {
      const frame = frames.at(-1)
      if (frame?.keys) frame.keyNext = true
    }
  }
  return repeated
}

/** One pino line, parsed. */
export interface LogRecord {
  level: unknown
  msg?: unknown
  [key: string]: unknown
}

/** What is wrong with one log line: not JSON, a key twice, a level that is not pino's number. */
export function lineProblems(line: string): string[] {
  let record: LogRecord
  try {
    record = JSON.parse(line) as LogRecord
  } catch (error) {
    return [`not JSON (${(error as Error).message}): ${line.slice(0, 300)}`]
  }
  const problems: string[] = []
  const twice = duplicateKeys(line)
  if (twice.length > 0) problems.push(`key ${twice.map((k) => `"${k}"`).join(', ')} twice: ${line.slice(0, 300)}`)
  if (typeof record.level !== 'number') problems.push(`level ${JSON.stringify(record.level)} is not pino's number: ${line.slice(0, 300)}`)
  return problems
}

/** The complete lines of a stream's text (a last line still being written is left out). */
export const completeLines = (text: string): string[] => text.split('\n').slice(0, -1).filter((l) => l.trim() !== '')
