export * from './run.ts'
export * from './signing.ts'
export * from './periodic.ts'
