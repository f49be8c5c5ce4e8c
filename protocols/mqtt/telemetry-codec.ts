import type { Quality } from '../quality.ts'
import type { Sample } from '../sample.ts'
import type { SampleGroup, TelemetryBatch } from './payloads.ts'
import { ProductError } from '../errors.ts'

/** A sample with its place in the gateway's sequence. */
export interface SequencedSample extends Sample {
  seq: number
}

/**
 * Pack samples (in sequence order) into one compact batch: a channel dictionary, and groups of
 * consecutive sequence numbers sharing a timestamp and consecutive dictionary entries — what one
 * poll of one device produces. A sample costs little more than its value on the wire.
 */
export function encodeTelemetry(gateway: string, samples: readonly SequencedSample[]): TelemetryBatch {
  const dictionary = new Map<string, number>()
  const groups: SampleGroup[] = []
  let current: SampleGroup | undefined
  for (const sample of samples) {
    const key = `${sample.device}/${sample.channel}`
    let index = dictionary.get(key)
    if (index === undefined) {
      index = dictionary.size
      dictionary.set(key, index)
    }
    const offset = current ? current.values.length : 0
    const continues = current !== undefined &&
      sample.seq === current.seq0 + offset && sample.ts === current.ts && index === current.ch0 + offset
    if (!continues) {
      current = { seq0: sample.seq, ts: sample.ts, ch0: index, values: [] }
      groups.push(current)
    }
    const group = current!
    const at = String(group.values.length)
    group.values.push(sample.value)
    if (sample.quality !== 'good') (group.q ??= {})[at] = sample.quality
    if (sample.reason !== undefined && sample.quality !== 'good') (group.r ??= {})[at] = sample.reason.slice(0, 500)
  }
  return { v: 1, gw: gateway, ch: [...dictionary.keys()], g: groups }
}

/** Thrown when a batch that passed the schema is still inconsistent (a dictionary index out of range). */
export class TelemetryDecodeError extends ProductError {
  readonly code = 'TELEMETRY_INCONSISTENT'
}

/** The samples of a batch, in the order they were packed. The whole batch is rejected if any part is inconsistent. */
export function decodeTelemetry(batch: TelemetryBatch): SequencedSample[] {
  const samples: SequencedSample[] = []
  for (const group of batch.g) {
    if (group.ch0 + group.values.length > batch.ch.length) {
      throw new TelemetryDecodeError(`group seq ${group.seq0}: channels ${group.ch0}..${group.ch0 + group.values.length - 1} beyond the dictionary of ${batch.ch.length}`)
    }
    group.values.forEach((value, i) => {
      const key = batch.ch[group.ch0 + i]!
      const slash = key.indexOf('/')
      const quality: Quality = group.q?.[String(i)] ?? 'good'
      const reason = group.r?.[String(i)]
      samples.push({ seq: group.seq0 + i, device: key.slice(0, slash), channel: key.slice(slash + 1), ts: group.ts, value, quality, ...(reason !== undefined && { reason }) })
    })
  }
  return samples
}
