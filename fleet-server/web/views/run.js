// One verified test run (#/compliance/site/{siteId}/runs/{gatewayId}/{runId}): who, when, which
// gateway, the purpose and result, the hash, the key and "signature verified"; per device its result
// and each step with its figures and the gateway's reasons; the test-gas step's readings as a chart.
import { h, section } from '../dom.js'
import { t, tOr } from '../i18n/index.js'
import { formatTime } from '../format.js'
import { gasChart } from './run-chart.js'
import { formatSeconds, stepFigures, stepReasons } from './run-steps.js'
/** @typedef {import('../api.js').CommissioningRun} CommissioningRun */
/** @typedef {import('../api.js').DeviceRun} DeviceRun */
/** @typedef {import('../api.js').RunStep} RunStep */
/** @typedef {import('../api.js').GasStep} GasStep */

/** passed / failed / bypassed as a badge */
export function resultBadge(/** @type {'passed' | 'failed' | 'bypassed'} */ result) {
  const mark = result === 'passed' ? '✓ ' : result === 'failed' ? '✕ ' : '↷ '
  return h('span', { class: `badge result-${result}`, 'data-testid': 'result', 'data-result': result },
    h('span', { 'aria-hidden': 'true' }, mark), tOr('result', result))
}

function figureList(/** @type {RunStep} */ step) {
  return h('dl', { class: 'run-figures' }, stepFigures(step).map((f) => [
    h('dt', {}, f.label),
    h('dd', { 'data-testid': `figure-${f.key}` }, Array.isArray(f.value)
      ? (f.value.length ? h('ul', {}, f.value.map((line) => h('li', {}, line))) : t('value.none'))
      : f.value),
  ]))
}

function gasFigure(/** @type {GasStep} */ step) {
  return h('figure', { class: 'run-figure' },
    gasChart(step, {
      label: t('runChart.label', { channel: step.channel, unit: step.unit, applied: formatTime(step.appliedAt), t90: formatSeconds(step.t90S) }),
      moment: (kind) => t(`runChart.${kind}`),
      seconds: (s) => t('runChart.seconds', { s }),
      level: (level) => tOr('level', level),
    }),
    h('figcaption', { class: 'muted legend' }, t('runChart.legend')))
}

function stepView(/** @type {RunStep} */ step) {
  const reasons = stepReasons(step)
  return h('li', { class: `run-step step-${step.result}`, 'data-testid': 'run-step', dataset: { kind: step.kind, result: step.result } },
    h('h4', {}, t(`step.${step.kind}`), ' ', resultBadge(step.result)),
    figureList(step),
    step.kind === 'gas' && gasFigure(step),
    reasons.length > 0 && h('div', { class: 'run-reasons' },
      h('strong', {}, t('run.reasons')),
      h('ul', {}, reasons.map((reason) => h('li', { 'data-testid': 'step-reason' }, reason)))))
}

function deviceView(/** @type {DeviceRun} */ device, /** @type {number} */ index) {
  const id = `run-device-${index}`
  return h('section', { class: 'run-device', 'aria-labelledby': id, 'data-testid': 'run-device', dataset: { device: device.device, result: device.result } },
    h('h3', { id }, t('run.device', { device: device.device }), ' ', resultBadge(device.result)),
    h('p', { class: 'muted' },
      t('run.deviceMeta', { profile: device.profile, bus: device.bus, unit: device.unit }),
      device.system && ` · ${t('run.system')}: ${tOr('system', device.system)}`,
      device.location && ` · ${device.location}`),
    h('ol', { class: 'run-steps', 'aria-label': t('run.steps', { device: device.device }) }, device.steps.map(stepView)))
}

/**
 * `loaded`: the body of GET /api/gateways/{gatewayId}/commissioning-runs/{runId}.
 * @param {CommissioningRun} loaded
 */
export function runView(loaded) {
  const { run } = loaded
  const tech = run.technician
  const fact = (/** @type {string} */ key, /** @type {string} */ testid, /** @type {import('../dom.js').Child} */ value) =>
    [h('dt', {}, t(key)), h('dd', { 'data-testid': testid }, value)]
  return h('article', { 'aria-labelledby': 'run-heading', 'data-testid': 'run', dataset: { runId: loaded.runId, gatewayId: loaded.gatewayId, result: run.result } },
    h('p', {}, h('a', { href: `#/compliance/site/${encodeURIComponent(loaded.siteId)}`, 'data-testid': 'back-link', 'data-focus-key': 'run-back' }, '← ', t('run.back'))),
    h('h2', { id: 'run-heading' }, t('run.heading', { purpose: tOr('purpose', run.purpose) }), ' ', resultBadge(run.result)),
    section('run-facts-heading', t('run.facts'), h('dl', { class: 'run-facts' },
      fact('run.technician', 'technician', [tech.name, tech.company && ` · ${tech.company}`, tech.certificate && ` · ${t('run.certificate', { certificate: tech.certificate })}`]),
      fact('run.when', 'when', `${formatTime(run.startedAt)} – ${formatTime(run.endedAt)}`),
      fact('run.gateway', 'gateway', run.gateway),
      fact('run.purpose', 'purpose', tOr('purpose', run.purpose)),
      fact('run.result', 'run-result', resultBadge(run.result)),
      fact('run.agent', 'agent', t('run.agentLine', { version: run.agentVersion, configHash: run.configHash })),
      fact('run.hash', 'hash', h('code', {}, loaded.hash)),
      fact('run.key', 'key-id', h('code', {}, loaded.keyId)),
      fact('run.signature', 'signature', [h('span', { class: 'badge verified-yes', 'data-verified': String(loaded.verified) },
        h('span', { 'aria-hidden': 'true' }, '✓ '), t('run.verified')), ' ', h('span', { class: 'muted' }, t('run.received', { time: formatTime(loaded.receivedAt) }))]))),
    run.devices.map(deviceView))
}
