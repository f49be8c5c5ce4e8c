import type { Run, Step } from '../../../protocols/commissioning/index.ts'
import type { RunDeviceSummary } from '../model/index.ts'

/** Why a failed step failed, in one line. */
function failure(step: Step): string | undefined {
  if (step.result !== 'failed') return undefined
  const reasons = step.kind === 'gas' ? step.reasons : step.reason === undefined ? [] : [step.reason]
  const what = step.kind === 'interlock' ? `interlock ${step.interlock}` : step.kind === 'gas' || step.kind === 'zero' ? `${step.kind} ${step.channel}` : step.kind
  return reasons.length > 0 ? `${what}: ${reasons.join('; ')}` : `${what} failed`
}

/** Per device of a run: its result, each test-gas step's T90 and recovery, and what failed. */
export function deviceSummaries(run: Run): RunDeviceSummary[] {
  return run.devices.map((d) => ({
    device: d.device,
    ...(d.system !== undefined && { system: d.system }),
    result: d.result,
    gas: d.steps.flatMap((step) => step.kind !== 'gas' ? [] : [{
      channel: step.channel, test: step.test, result: step.result, gas: `${step.gas.name} ${step.gas.concentration} ${step.gas.unit}`,
      t90S: step.t90S, t90LimitS: step.t90LimitS, recoveryS: step.recoveryS, recoveryLimitS: step.recoveryLimitS,
    }]),
    failures: d.steps.map(failure).filter((f): f is string => f !== undefined),
  }))
}
