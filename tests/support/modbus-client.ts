import ModbusSerial from 'modbus-serial'
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js'

/** modbus-serial's client class: its CommonJS default export confuses TypeScript's NodeNext view of it. */
export type ModbusClient = ModbusRTU
export const ModbusClient = ModbusSerial as unknown as new () => ModbusRTU
