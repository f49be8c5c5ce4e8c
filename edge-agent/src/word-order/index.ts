/** Word order of 32-bit register pairs: decoding in every order and the judgement of which one a float is in. Pure. */
export { decodePair, type PairDecoding } from './decode-pair.ts'
export { formatNumber } from './format-number.ts'
export { judgeFloatOrders, PLAUSIBLE_MAGNITUDE, type BeliefBasis, type FloatOrderJudgement, type FloatProblem } from './judge.ts'
export { USUAL_RANGES, type UnitHint } from './usual-ranges.ts'
