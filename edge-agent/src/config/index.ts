export * from './schema.ts'
export type { ResolvedBus, ResolvedConfig, ResolvedDevice, ResolvedInterlock, ResolvedSerialBus, ResolvedTcpBus } from './resolve.ts'
export { loadConfigFile, parseConfig, type ParseOptions, type ParsedConfig } from './load.ts'
export { framingLabel, framingOf, pollWireMs, rtuBusLoads, type BusLoad, type DeviceLoad } from './check.ts'
