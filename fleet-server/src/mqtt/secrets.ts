import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import pLimit from 'p-limit'
import { HASH_CONCURRENCY } from '../defaults.ts'

/**
 * Password and token hashing for gateway MQTT credentials and user logins: scrypt with a random
 * salt, stored as `scrypt$N$r$p$salt$hash` (base64) so the cost can be raised later without
 * invalidating stored hashes.
 */
const COST: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>> = { N: 16384, r: 8, p: 1 }
const KEY_BYTES = 32
const SALT_BYTES = 16

/** Who waits for the hash: people signing in (HTTP) and gateways (MQTT) queue apart, each with bounded concurrency. */
export type HashLane = keyof typeof HASH_CONCURRENCY
const lanes: Record<HashLane, ReturnType<typeof pLimit>> = { people: pLimit(HASH_CONCURRENCY.people), gateways: pLimit(HASH_CONCURRENCY.gateways) }

function derive(secret: string, salt: Buffer, options: ScryptOptions, lane: HashLane): Promise<Buffer> {
  return lanes[lane](() => new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)))
  }))
}

export async function hashSecret(secret: string, lane: HashLane = 'people'): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(secret, salt, COST, lane)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$')
}

/** True when `secret` matches `hash`; false for a wrong secret or a malformed hash. Compares in constant time. */
export async function verifySecret(secret: string, hash: string, lane: HashLane = 'people'): Promise<boolean> {
  const parts = hash.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20 || r > 32 || p > 16) return false
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  if (expected.length !== KEY_BYTES) return false
  const key = await derive(secret, salt, { N, r, p }, lane)
  return timingSafeEqual(key, expected)
}
