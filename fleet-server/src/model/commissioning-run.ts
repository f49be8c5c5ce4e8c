import Type, { type Static } from 'typebox'
import { RunSchema } from '../../../protocols/commissioning/index.ts'
import { Id, literals, Ts } from './primitives.ts'

/**
 * Signed commissioning and periodic test runs (issue 17) as the server keeps them, verified, and the
 * evidence API answers them: a list of a site's runs and one run whole (the run is protocols' RunSchema).
 */

const Result = literals(['passed', 'failed'])
const Seconds = Type.Union([Type.Number({ minimum: 0 }), Type.Null()])

export const RunGasSummarySchema = Type.Object({
  channel: Type.String(),
  test: literals(['bump', 'span']),
  result: Result,
  gas: Type.String({ description: 'the test gas: name, concentration and unit' }),
  t90S: Seconds,
  t90LimitS: Type.Number(),
  recoveryS: Seconds,
  recoveryLimitS: Type.Number(),
}, { description: 'one test-gas step: T90 from the gas applied, recovery after it was removed (null: not reached)' })

export const RunDeviceSummarySchema = Type.Object({
  device: Type.String(),
  system: Type.Optional(Type.String()),
  result: Result,
  gas: Type.Array(RunGasSummarySchema),
  failures: Type.Array(Type.String(), { description: 'the steps that failed, with their reasons' }),
})

const RunFacts = {
  gatewayId: Id,
  runId: Type.String({ description: 'unique per gateway' }),
  siteId: Id,
  purpose: literals(['commissioning', 'periodic']),
  result: Result,
  technician: Type.Object({ name: Type.String(), company: Type.Optional(Type.String()), certificate: Type.Optional(Type.String()) }),
  startedAt: Ts,
  endedAt: Ts,
  receivedAt: Type.Integer({ description: 'when the server received and verified it, epoch ms' }),
  hash: Type.String({ description: 'sha256: of the run\'s canonical JSON (RFC 8785)' }),
  keyId: Type.String({ description: 'the gateway\'s signing key that verified it' }),
}

export const CommissioningRunSummarySchema = Type.Object({
  ...RunFacts,
  devices: Type.Array(RunDeviceSummarySchema),
}, { description: 'a verified test run of a gateway, in short' })

export const CommissioningRunSchema = Type.Object({
  ...RunFacts,
  signature: Type.String({ description: 'the gateway\'s Ed25519 signature of the run\'s canonical JSON, base64: with the key (keyId) anyone can verify it again' }),
  verified: Type.Literal(true, { description: 'the signature verified on receipt with the key registered for the gateway, and the run named the gateway and its site; runs that do not are refused, never kept' }),
  run: RunSchema,
}, { description: 'a verified test run whole: every step with its readings' })

export type RunDeviceSummary = Static<typeof RunDeviceSummarySchema>
export type CommissioningRunSummary = Static<typeof CommissioningRunSummarySchema>
export type CommissioningRun = Static<typeof CommissioningRunSchema>
