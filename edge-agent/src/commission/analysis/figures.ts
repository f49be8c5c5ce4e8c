/** How the reasons write figures: values with two decimals and their unit, seconds with one decimal. */
export const inUnit = (value: number, unit: string) => `${value.toFixed(2)}${unit === '' ? '' : ` ${unit}`}`

export const seconds = (s: number) => `${s.toFixed(1)} s`

/** Durations in the record are to a tenth of a second: the poll period makes finer digits noise. */
export const roundedSeconds = (ms: number) => Math.round(ms / 100) / 10

/** The record's texts hold at most 500 characters. */
export const TEXT_MAX = 500
export const clipped = (text: string) => text.slice(0, TEXT_MAX)

/** A figure without a unit, as short as two decimals allow: 1.5, 1.21. */
export const plain = (value: number) => String(Number(value.toFixed(2)))
