import { ProductError } from '../../../protocols/errors.ts'

export type ProvisionErrorCode =
  | 'PROVISION_USAGE' | 'GATEWAY_ID_MISSING' | 'CONFIG_NOT_WRITABLE'
  | 'TOKEN_REFUSED' | 'WRONG_SITE' | 'ENROLMENT_REFUSED' | 'SERVER_TLS' | 'SERVER_NOT_FLEET'
  | 'SERVER_UNREACHABLE' | 'SERVER_FAILED' | 'LOGIN_FAILED'

/** The mistakes of the installer's input (exit 2); the rest are runtime failures (exit 1). */
const INVALID_INPUT: ReadonlySet<ProvisionErrorCode> = new Set([
  'PROVISION_USAGE', 'GATEWAY_ID_MISSING', 'CONFIG_NOT_WRITABLE', 'TOKEN_REFUSED', 'WRONG_SITE', 'ENROLMENT_REFUSED', 'SERVER_TLS', 'SERVER_NOT_FLEET',
])

/** Why `edge-agent provision` stopped: one line, never the token or the password. */
export class ProvisionError extends ProductError {
  constructor(readonly code: ProvisionErrorCode, message: string) {
    super(message)
  }

  get invalidInput(): boolean {
    return INVALID_INPUT.has(this.code)
  }
}
