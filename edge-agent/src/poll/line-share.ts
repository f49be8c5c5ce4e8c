/**
 * How a line is shared between armed reads (interlock sources near their trip) and every other poll:
 * weighted fair queueing of two classes by the line time each used. While both want the line, armed reads
 * get `share` of it and the rest 1 − share; while one class has nothing due, the other takes the whole
 * line and the idle one banks no credit (its virtual time is lifted to the busy one's), so armed reads
 * are as fast as the line allows on a quiet bus and never starve the others on a busy one.
 */
export type LineClass = 'armed' | 'others'

export class LineShare {
  private armedV = 0
  private othersV = 0

  /** `share`: the armed reads' part of the line while others are due, 0 < share < 1 */
  constructor(readonly share: number) {
    if (!(share > 0 && share < 1)) throw new RangeError(`armed share ${share} is not between 0 and 1`)
  }

  /** The class that goes next, of those with a poll due now. */
  pick(armedDue: boolean, othersDue: boolean): LineClass | undefined {
    if (armedDue && othersDue) return this.armedV <= this.othersV ? 'armed' : 'others'
    if (armedDue) {
      this.othersV = Math.max(this.othersV, this.armedV)
      return 'armed'
    }
    if (othersDue) {
      this.armedV = Math.max(this.armedV, this.othersV)
      return 'others'
    }
    return undefined
  }

  /** A poll of the class held the line this long. */
  charge(kind: LineClass, lineMs: number): void {
    if (kind === 'armed') this.armedV += lineMs / this.share
    else this.othersV += lineMs / (1 - this.share)
  }
}
