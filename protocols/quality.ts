/**
 * Quality of a sample. Anything but `good` is never to be read as a normal value:
 * alarm evaluation treats it as a sensor fault and interlocks fail safe on it.
 */
export type Quality = 'good' | 'comm-fail' | 'device-fault' | 'out-of-range' | 'warming-up' | 'stale'

export const QUALITIES: readonly Quality[] = ['good', 'comm-fail', 'device-fault', 'out-of-range', 'warming-up', 'stale']
