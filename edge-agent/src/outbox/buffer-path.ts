import { join } from 'node:path'
import type { ResolvedConfig } from '../config/index.ts'

/** Where the outbox lives: the config's buffer.path, else ./data/<gateway>/outbox.sqlite (relative to the working directory). */
export const bufferPathOf = (config: ResolvedConfig): string => config.buffer?.path ?? join('data', config.gateway.id, 'outbox.sqlite')
