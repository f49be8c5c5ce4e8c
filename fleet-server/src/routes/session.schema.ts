import Type, { type Static } from 'typebox'
import { UserSchema } from '../model/index.ts'
import { Ts } from '../model/primitives.ts'

export const LoginBodySchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export const LoginReplySchema = Type.Object({ token: Type.String({ description: 'send as Authorization: Bearer TOKEN (the dashboard keeps it in a cookie)' }), user: UserSchema, expiresAt: Ts })

export type LoginBody = Static<typeof LoginBodySchema>
export type LoginReply = Static<typeof LoginReplySchema>
