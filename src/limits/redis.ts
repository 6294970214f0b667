import type { RedisLink } from '../runtime/redis.ts'
import { memoryRateLimiter } from './memory.ts'
import type { RateLimiter } from './types.ts'

/** Options for {@link redisRateLimiter}. */
export type RedisRateLimiterOptions = {
  link: RedisLink
  /** Requests allowed per window for one key. */
  limit: number
  windowSeconds: number
  /** Default `fluxgate:rl:`. */
  prefix?: string
  now?: () => number
}

/**
 * One atomic step: count the request, open the window on the first one, and return the count
 * and the milliseconds the window has left. The PTTL check also repairs a counter that lost its
 * expiry (a crash between INCR and PEXPIRE cannot happen inside a script, but a manual SET can).
 */
const COUNT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`

/**
 * The per-IP limit shared by every instance of a fleet (Node, STORAGE=redis): a fixed window
 * per key in Redis, the same rule as the memory limiter. While Redis is unreachable each
 * instance counts in its own memory instead, so the limit still holds per instance and the API
 * stays up; the outage is logged once by the link, not per request.
 */
export function redisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { link, limit } = options
  const prefix = options.prefix ?? 'fluxgate:rl:'
  const windowMs = options.windowSeconds * 1000
  const local = memoryRateLimiter({
    limit,
    windowSeconds: options.windowSeconds,
    now: options.now,
  })
  return {
    async limit(key) {
      if (!link.up) return local.limit(key)
      let reply: unknown
      try {
        reply = await link.client.eval(COUNT_SCRIPT, 1, prefix + key, windowMs)
      } catch {
        return local.limit(key)
      }
      const [count, ttl] = reply as [number, number]
      if (count <= limit) return { success: true }
      return { success: false, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) }
    },
  }
}
