/** Numbers as an installer reads them: the fewest digits that name the float32, at most six, exponent when far from 1. */

/** The fewest significant digits (1–9) whose decimal reads back as the same float32: 2 for 0.73, 7 or more for most. */
export function float32Digits(value: number): number {
  const target = Math.fround(value)
  for (let digits = 1; digits < 9; digits++) {
    if (Math.fround(Number(value.toPrecision(digits))) === target) return digits
  }
  return 9
}

const MAX_SHOWN_DIGITS = 6

/** `maxDigits` 2 for a value shown only to say it is absurd (-2.3e+20). */
export function formatNumber(value: number, maxDigits = MAX_SHOWN_DIGITS): string {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return '0'
  const shown = Number(value.toPrecision(Math.min(float32Digits(value), maxDigits)))
  const magnitude = Math.abs(shown)
  return magnitude >= 1e6 || magnitude < 1e-4 ? shown.toExponential() : String(shown)
}
