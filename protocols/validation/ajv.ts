import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'

const Ajv = AjvModule.default ?? AjvModule

/** One Ajv for every schema declared in the project: every error reported, no coercion, no defaults injected. */
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true })

export function createValidator<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema)
}

/** The first of Ajv's errors as one short line, `/args/minutes must be <= 480`: what a refusal to a machine says. */
export function firstErrorText(errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0]
  return `${first?.instancePath || '/'} ${first?.message ?? 'invalid'}`
}
