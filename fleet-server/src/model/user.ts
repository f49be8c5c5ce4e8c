import Type, { type Static } from 'typebox'
import { Id, literals } from './primitives.ts'

export const ROLES = ['admin', 'regulator', 'enterprise', 'installer'] as const
export type Role = (typeof ROLES)[number]
export const RoleSchema = literals([...ROLES], 'what the user may see and do')

export const UserSchema = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  displayName: Type.Optional(Type.String()),
  jurisdiction: Type.Optional(Type.String({ description: 'regulator: the township/district it oversees ("*" the whole city)' })),
  enterpriseId: Type.Optional(Id),
  siteIds: Type.Optional(Type.Array(Id, { description: 'installer: the sites it is assigned' })),
})

export type User = Static<typeof UserSchema>

/**
 * What a user may see: every read of the store is filtered by one. A regulator reads every site of its
 * jurisdiction ('*': the whole city), an enterprise its own sites, an installer the sites it is assigned.
 */
export type Scope =
  | { role: 'admin' }
  | { role: 'regulator'; jurisdiction: string }
  | { role: 'enterprise'; enterpriseId: string }
  | { role: 'installer'; siteIds: readonly string[] }
