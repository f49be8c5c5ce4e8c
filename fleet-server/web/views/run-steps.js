// What each step of a test run proves, as labelled figures in the UI language, and why it failed
// (the gateway's reasons, verbatim). Pure (tested in node); views/run.js lays them out.
import { t, tOr } from '../i18n/index.js'
import { formatNumber, formatTime } from '../format.js'
/** @typedef {import('../api.js').RunStep} RunStep */
/** @typedef {import('../api.js').GasStep} GasStep */
/** @typedef {Extract<RunStep, { kind: 'interlock' }>} InterlockStep */
/** @typedef {{ key: string, label: string, value: string | string[] }} Figure one labelled figure; a list shows as lines */

/** `19.6 s`, or "not reached" for null */
export const formatSeconds = (/** @type {number | null | undefined} */ s) =>
  s === null || s === undefined ? t('step.notReached') : t('runChart.seconds', { s: formatNumber(s) })

const against = (/** @type {number | null} */ s, /** @type {number} */ limit) => t('step.againstLimit', { value: formatSeconds(s), limit: formatSeconds(limit) })
const withUnit = (/** @type {number | null} */ v, /** @type {string} */ unit) => (v === null ? t('value.none') : `${formatNumber(v)} ${unit}`.trim())
/** a fraction as a signed percentage, e.g. -0.012 → "-1.2 %" */
const percent = (/** @type {number} */ fraction) => `${formatNumber(fraction * 100)} %`

/** A level line of a gas step: raised how long after the gas, at which reading; or not raised. */
function levelLine(/** @type {GasStep} */ step, /** @type {GasStep['levels'][number]} */ level) {
  const name = tOr('level', level.level)
  const setPoint = `${formatNumber(level.setPoint)} ${step.unit}`.trim()
  if (level.raisedAt === undefined) return t('step.levelNotRaised', { level: name, setPoint })
  return t('step.levelRaised', {
    level: name, setPoint, after: formatSeconds((level.raisedAt - step.appliedAt) / 1000), value: withUnit(level.value ?? null, step.unit),
  })
}

/** trip → output written → feedback confirmed in N ms → restored, as far as it went */
function interlockSequence(/** @type {InterlockStep} */ step) {
  if (step.trippedAt === undefined) return []
  const lines = [t('step.tripped', { time: formatTime(step.trippedAt) })]
  if (step.actuatedAt !== undefined) lines.push(t('step.actuated', { ms: step.actuatedAt - step.trippedAt }))
  lines.push(step.confirmedAt !== undefined && step.actuatedAt !== undefined
    ? t('step.confirmed', { ms: step.confirmedAt - step.actuatedAt, limit: step.feedbackMs })
    : t('step.notConfirmed', { limit: step.feedbackMs }))
  lines.push(step.restoredAt !== undefined ? `${t('step.restored')} ${formatTime(step.restoredAt)}` : t('step.notRestored'))
  return lines
}

/**
 * The figures of a step, labelled.
 * @param {RunStep} step
 * @returns {Figure[]}
 */
export function stepFigures(step) {
  switch (step.kind) {
    case 'identity':
      return [
        { key: 'expected', label: t('step.expected'), value: `${step.expected.vendor} ${step.expected.model}` },
        { key: 'read', label: t('step.read'), value: Object.entries(step.read).map(([k, v]) => `${k}: ${v}`) },
      ]
    case 'zero':
      return [
        { key: 'channel', label: t('step.channel'), value: step.channel },
        { key: 'zero-mean', label: t('step.zeroMean'), value: `${withUnit(step.mean, step.unit)}, ${t('step.zeroTolerance', { tolerance: `${formatNumber(step.tolerance)} ${step.unit}`.trim() })}` },
      ]
    case 'gas':
      return [
        { key: 'test', label: t('step.testKind'), value: `${step.channel} · ${t(`step.test.${step.test}`)}` },
        { key: 'gas', label: t('step.gasUsed'), value: t('step.gasLine', { ...step.gas, concentration: formatNumber(step.gas.concentration) }) },
        { key: 'gas-times', label: t('step.gasTimes'), value: `${formatTime(step.appliedAt)} / ${step.removedAt === undefined ? t('value.none') : formatTime(step.removedAt)}` },
        { key: 'baseline', label: t('step.baseline'), value: withUnit(step.baseline, step.unit) },
        { key: 'plateau', label: t('step.plateau'), value: withUnit(step.plateau, step.unit) },
        { key: 'error', label: t('step.error'), value: t('step.errorLine', { error: step.error === null ? t('value.none') : percent(step.error), tolerance: percent(step.errorTolerance) }) },
        { key: 't90', label: t('step.t90'), value: against(step.t90S, step.t90LimitS) },
        { key: 'recovery', label: t('step.recovery'), value: against(step.recoveryS, step.recoveryLimitS) },
        { key: 'levels', label: t('step.levels'), value: step.levels.map((level) => levelLine(step, level)) },
      ]
    case 'interlock':
      return [
        { key: 'interlock', label: t('step.interlockName'), value: step.interlock },
        { key: 'output', label: t('step.output'), value: `${step.output.device}/${step.output.channel} → ${step.feedback.device}/${step.feedback.channel}` },
        step.bypass
          ? { key: 'bypass', label: t('step.bypass'), value: t('step.bypassLine', { by: step.bypass.by, reason: step.bypass.reason }) }
          : { key: 'sequence', label: t('step.sequence'), value: interlockSequence(step) },
      ]
    case 'calibration':
      return [{
        key: 'calibrated-on', label: t('step.calibratedOn'),
        value: `${step.calibratedOn ?? t('value.none')} (${step.entered ? t('step.calibrationEntered') : t('step.calibrationConfirmed')})`,
      }]
  }
}

/** The gateway's reasons for a step's failure, verbatim (a gas step may give several). */
export const stepReasons = (/** @type {RunStep} */ step) =>
  step.kind === 'gas' ? step.reasons : step.reason === undefined ? [] : [step.reason]
