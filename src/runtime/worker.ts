import type { ExecutionContext } from 'hono'
import { type App, createApp } from '../app.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { bindingRateLimiter, type RateLimitBinding } from '../limits/binding.ts'
import type { AiBinding } from '../providers/types.ts'
import { type KvBinding, kvStorage } from '../storage/kv.ts'

/** Bindings the Worker understands; every one is optional. */
export type WorkerEnv = {
  AI?: AiBinding
  /** Images: seed 000's name, seed 004's name, or the neutral one. */
  FLUX_CF_KV?: KvBinding
  FLUX_API?: KvBinding
  IMAGES?: KvBinding
  /** Workers Rate Limiting binding for the direct API's per-IP limit (`ratelimits`). */
  RATE_LIMITER?: RateLimitBinding
  [variable: string]: unknown
}

let app: App | undefined

/**
 * Workers entry. The app is built on first request, not at module load, so a bad variable fails
 * requests with a clear message rather than the deploy; the isolate then reuses it.
 */
export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    try {
      app ??= build(env)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      // Without this the client sees workerd's bare "exception" page and the operator guesses.
      console.error(error.message)
      return configErrorResponse(error)
    }
    return app.fetch(request, env, ctx)
  },
}

/** A bad variable, reported on every request in the error shape (names and expectations only). */
function configErrorResponse(error: ConfigError): Response {
  const body = {
    error: {
      message: error.message,
      type: 'api_error',
      code: 'invalid_configuration',
      param: null,
    },
  }
  return Response.json(body, {
    status: 500,
    headers: { 'Access-Control-Allow-Origin': '*', 'x-should-retry': 'false' },
  })
}

function build(env: WorkerEnv): App {
  const kv = env.FLUX_CF_KV ?? env.FLUX_API ?? env.IMAGES
  return createApp({
    config: loadConfig(env),
    storage: kv ? kvStorage({ binding: kv }) : null,
    bindings: { ai: env.AI },
    clientAddress: (c) => c.req.header('CF-Connecting-IP'),
    rateLimiter: env.RATE_LIMITER ? bindingRateLimiter(env.RATE_LIMITER) : undefined,
  })
}
