import Type, { type Static } from 'typebox'
import { UserSchema } from '../model/index.ts'
import { ErrorSchema } from './errors.ts'
import { Ts } from '../model/primitives.ts'

export const LoginBodySchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export const LoginReplySchema = Type.Object({ token: Type.String({ description: 'send as Authorization: Bearer TOKEN (the dashboard keeps it in a cookie)' }), user: UserSchema, expiresAt: Ts })

export const ThrottledReplySchema = Type.Object(ErrorSchema.properties, {
  description: 'too many failed logins for this user or from this address: wait the Retry-After header\'s seconds (even the right password is refused until then)',
})

export type LoginBody = Static<typeof LoginBodySchema>
export type LoginReply = Static<typeof LoginReplySchema>
