import type { Role, Scope, User } from '../model/index.ts'

/** The sites a user may read, from its role. A user missing its role's field sees nothing. */
export function scopeFor(user: User): Scope {
  switch (user.role) {
    case 'admin':
      return { role: 'admin' }
    case 'regulator':
      return user.jurisdiction ? { role: 'regulator', jurisdiction: user.jurisdiction } : { role: 'installer', siteIds: [] }
    case 'enterprise':
      return user.enterpriseId ? { role: 'enterprise', enterpriseId: user.enterpriseId } : { role: 'installer', siteIds: [] }
    case 'installer':
      return { role: 'installer', siteIds: user.siteIds ?? [] }
  }
}

/** The role with its article, for messages: "an admin", "a regulator", "an enterprise", "an installer". */
export const roleWithArticle = (role: Role): string => `${/^[aeiou]/u.test(role) ? 'an' : 'a'} ${role}`
