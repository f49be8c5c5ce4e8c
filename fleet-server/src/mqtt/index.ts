export { startEmbeddedBroker, mayPublish, maySubscribe, type EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.ts'
export { CommandSender, CommandError, type CommandSenderOptions } from './commands.ts'
export { hashSecret, verifySecret } from './secrets.ts'
