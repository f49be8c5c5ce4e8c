export { startEmbeddedBroker, type EmbeddedBroker } from './broker.ts'
export { CommandSender, CommandError } from './commands.ts'
export { hashSecret, verifySecret } from './secrets.ts'
