export * from './run.ts'
export * from './signing.ts'
