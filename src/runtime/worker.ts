import type { ExecutionContext } from 'hono'
import { type App, createApp } from '../app.ts'
import { LEGACY_KV_BINDINGS } from '../config/legacy.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { bindingRateLimiter, type RateLimitBinding } from '../limits/binding.ts'
import type { AiBinding } from '../providers/types.ts'
import { type KvBinding, kvStorage } from '../storage/kv.ts'
import { type R2Binding, r2Storage } from '../storage/r2.ts'
import type { ImageStore } from '../storage/types.ts'

/** Bindings the Worker understands; every one is optional. */
export type WorkerEnv = {
  AI?: AiBinding
  /** Images in KV; the legacy scripts' binding names work too (config/legacy.ts). */
  IMAGES?: KvBinding
  /** Images in R2 instead; when bound it wins over every KV binding. */
  IMAGES_BUCKET?: R2Binding
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
  return createApp({
    config: loadConfig(env),
    storage: imageStore(env),
    bindings: { ai: env.AI },
    clientAddress: (c) => c.req.header('CF-Connecting-IP'),
    rateLimiter: env.RATE_LIMITER ? bindingRateLimiter(env.RATE_LIMITER) : undefined,
  })
}

/**
 * R2 when `IMAGES_BUCKET` is bound (no size or write-rate limits worth the name, strongly
 * consistent), else the first KV binding: a legacy script's, then `IMAGES`; else none (images
 * are then not stored).
 * Not exported: workerd treats a main module's named exports as entrypoints.
 */
function imageStore(env: WorkerEnv): ImageStore | null {
  if (env.IMAGES_BUCKET) return r2Storage({ bucket: env.IMAGES_BUCKET })
  // Bindings are objects; a plain variable that happens to share a name is not one.
  const name = [...LEGACY_KV_BINDINGS, 'IMAGES'].find((binding) => typeof env[binding] === 'object')
  return name ? kvStorage({ binding: env[name] as KvBinding }) : null
}
