import type { DeviceRun, Run, SignedRun } from '../../../protocols/commissioning/index.ts'

const when = (ts: number, timeZone: string): string =>
  new Date(ts).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16)

function deviceLine(device: DeviceRun): string {
  const parts = device.steps.map((step) => {
    const mark = step.result === 'passed' ? 'ok' : step.result === 'bypassed' ? 'BYPASSED' : 'FAILED'
    if (step.kind === 'gas') return `gas ${step.gas.concentration} ${step.gas.unit} ${mark} (T90 ${step.t90S ?? '—'} s, recovery ${step.recoveryS ?? '—'} s)`
    if (step.kind === 'interlock') return `interlock ${step.interlock} ${mark}`
    if (step.kind === 'calibration') return `calibrated ${step.calibratedOn ?? '—'} ${mark}`
    return `${step.kind} ${mark}`
  })
  const reasons = device.steps.flatMap((s) => (s.kind === 'gas' ? s.reasons : s.result === 'failed' && s.reason ? [s.reason] : []))
  return `  ${device.device} ${device.result.toUpperCase()}: ${parts.join(', ')}${reasons.length > 0 ? `\n    why: ${reasons.join('; ')}` : ''}`
}

/** `edge-agent commission --show`: one block per run, oldest first. */
export function formatRuns(runs: readonly SignedRun[], timeZone: string): string[] {
  if (runs.length === 0) return ['no commissioning or test runs at this gateway yet']
  return runs.flatMap(({ run: value, hash }) => {
    const run = value as Run
    return [
      `${when(run.startedAt, timeZone)} ${run.purpose} ${run.result.toUpperCase()} by ${run.technician.name}${run.technician.company ? ` (${run.technician.company})` : ''} — ${run.id}, ${hash.slice(0, 19)}…`,
      ...run.devices.map(deviceLine),
    ]
  })
}
