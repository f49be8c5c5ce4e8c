export { ControlError, MAX_REQUEST_BYTES, type CommandArgs, type ControlHandler, type ControlOutcome, type ControlReply } from './protocol.ts'
export { ControlServer, controlSocketPath, socketPathNear, MAX_SOCKET_PATH_BYTES } from './server.ts'
export { sendControlCommand } from './client.ts'
