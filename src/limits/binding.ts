import type { RateLimiter } from './types.ts'

/** The Workers Rate Limiting binding (`ratelimits` in wrangler.jsonc), as far as we use it. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>
}

/**
 * Wraps the Workers Rate Limiting binding. Its limit and period (10 or 60 s) are set in
 * wrangler.jsonc, not here, and it does not say when a key may retry, so `Retry-After` is the
 * binding's period: a safe upper bound.
 * See https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/
 */
export function bindingRateLimiter(
  binding: RateLimitBinding,
  options: { periodSeconds?: number } = {},
): RateLimiter {
  const retryAfterSeconds = options.periodSeconds ?? 60
  return {
    async limit(key) {
      const { success } = await binding.limit({ key })
      return success ? { success } : { success, retryAfterSeconds }
    },
  }
}
