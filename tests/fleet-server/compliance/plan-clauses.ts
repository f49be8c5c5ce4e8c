/**
 * The plan's text by clause: 四(四)1 is part 四 (a line "四、…"), section （四） under it, item "1、"
 * under that. A clause's text runs from its heading to the next heading of any level; part- and
 * section-level keys (四, 四(四)) hold their whole extent.
 */
export function planClauses(text: string): Map<string, string> {
  const clauses = new Map<string, string>()
  let part = ''
  let section = ''
  let item = ''
  const append = (key: string, line: string) => clauses.set(key, (clauses.get(key) ?? '') + line + '\n')
  for (const raw of text.split(/\r?\n/u)) {
    const line = raw.replace(/^[\s\u3000]+/u, '')
    const partHead = /^([一二三四五六七八九十]+)、/u.exec(line)
    const sectionHead = /^（([一二三四五六七八九十]+)）/u.exec(line)
    const itemHead = /^(\d+)、/u.exec(line)
    if (partHead) [part, section, item] = [partHead[1]!, '', '']
    else if (sectionHead) [section, item] = [sectionHead[1]!, '']
    else if (itemHead) item = itemHead[1]!
    if (!part) continue
    append(part, line)
    if (section) append(`${part}(${section})`, line)
    if (section && item) append(`${part}(${section})${item}`, line)
  }
  return clauses
}
