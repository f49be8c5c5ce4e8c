import type { Scope } from '../../model/index.ts'

/** The WHERE condition (on a `sites` row aliased `s`) that limits reads to what a scope may see. */
export function scopeCondition(scope: Scope): { sql: string; params: unknown[] } {
  switch (scope.role) {
    case 'admin':
      return { sql: '1', params: [] }
    case 'regulator':
      return scope.jurisdiction === '*' ? { sql: '1', params: [] } : { sql: 's.jurisdiction = ?', params: [scope.jurisdiction] }
    case 'enterprise':
      return { sql: 's.enterprise_id = ?', params: [scope.enterpriseId] }
    case 'installer':
      return { sql: 's.id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(scope.siteIds)] }
  }
}
