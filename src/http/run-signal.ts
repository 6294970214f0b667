import type { Context } from 'hono'
import type { AppEnv } from '../services.ts'

/**
 * The signal a request's work (a generation, a stream of its events) runs on: the client's,
 * which aborts when the client leaves, unless a middleware detached the work from it. The
 * idempotency middleware does, so that a keyed request keeps running for the retry that joins
 * it. A context variable rather than a copy of the request without its signal, which cost a
 * full Request (its headers copied) per request and hid the runtime's own body readers.
 */
export function runSignal(c: Context<AppEnv>): AbortSignal {
  return c.get('runSignal') ?? c.req.raw.signal
}
