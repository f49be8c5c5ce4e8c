import AjvModule, { type ValidateFunction } from 'ajv'

const Ajv = AjvModule.default ?? AjvModule

/** One Ajv for every schema declared in the project: every error reported, no coercion, no defaults injected. */
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true })

export function createValidator<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema)
}
