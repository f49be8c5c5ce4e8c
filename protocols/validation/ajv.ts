import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'

const Ajv = AjvModule.default ?? AjvModule

/** One Ajv for every schema declared in the project: every error reported, no coercion, no defaults injected. */
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true })

export function createValidator<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema)
}

/**
 * The check of named arguments (commands and their `args`): Ajv's errors for the args of `name`, or
 * undefined when they are valid; each schema is compiled once, when first used.
 */
export function namedArgsChecker<N extends string>(schemas: Readonly<Record<N, object>>): (name: N, args: unknown) => readonly ErrorObject[] | undefined {
  const validators = new Map<N, ValidateFunction>()
  return (name, args) => {
    let validate = validators.get(name)
    if (!validate) validators.set(name, (validate = createValidator(schemas[name])))
    return validate(args) ? undefined : (validate.errors ?? [])
  }
}

/** The first of Ajv's errors as one short line, `/args/minutes must be <= 480`: what a refusal to a machine says. */
export function firstErrorText(errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0]
  return `${first?.instancePath || '/'} ${first?.message ?? 'invalid'}`
}
