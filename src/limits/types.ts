/**
 * A per-key request limiter: the gateway asks before each public generation. One interface, two
 * implementations: the Workers Rate Limiting binding (shared across an account's isolates in a
 * location) and a per-process memory limiter (Node, or Workers without the binding).
 */

/** The answer for one request. */
export type RateLimitOutcome = {
  success: boolean
  /** Seconds until the key may try again; present only when `success` is false. */
  retryAfterSeconds?: number
}

export interface RateLimiter {
  /** Counts one request for `key` and says whether it is within the limit. */
  limit(key: string): Promise<RateLimitOutcome>
}
