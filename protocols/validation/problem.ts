/** One thing wrong with an input file, located for the person who has to fix it. */
import { ProductError } from '../errors.ts'

export interface Problem {
  file: string
  line: number
  column: number
  /** e.g. `channels[2].scale`; empty for the document itself */
  path: string
  message: string
}

export type PathSegment = string | number

export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}

/** `FILE:LINE:COL key.path: message` */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`
}

/** Thrown when an input file (profile, gateway config) is invalid; carries every problem found. */
export class InvalidInputError extends ProductError {
  readonly code: string
  readonly problems: readonly Problem[]
  constructor(code: string, problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'))
    this.name = 'InvalidInputError'
    this.code = code
    this.problems = problems
  }
}
