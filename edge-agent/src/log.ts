import pino, { type Logger } from 'pino'

/** pino: pretty lines on a terminal, JSON lines otherwise (journald, files, log shippers). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } })
  }
  return pino({ level })
}
