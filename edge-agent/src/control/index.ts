export {
  CONTROL_PROTOCOL_VERSION, ControlError, ControlReplySchema, ControlRequestSchema, MAX_REQUEST_BYTES, parseRequest,
  type CommandArgs, type ControlErrorCode, type ControlHandler, type ControlOutcome, type ControlReply, type ControlRequest,
} from './protocol.ts'
export { ControlServer, controlSocketPath, socketPathNear, MAX_SOCKET_PATH_BYTES, type ControlLogger, type ControlServerOptions } from './server.ts'
export { sendControlCommand, type SendOptions } from './client.ts'
