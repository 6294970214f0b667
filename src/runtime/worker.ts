import type { ExecutionContext } from 'hono'
import { ConfigError } from '../config.ts'
import type { RateLimitBinding } from '../limits/binding.ts'
import type { AiBinding } from '../providers/types.ts'
import type { KvBinding } from '../storage/kv.ts'
import type { R2Binding } from '../storage/r2.ts'
import { workerApp } from './worker-app.ts'

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

/**
 * Workers entry. The app is built once per isolate (worker-app.ts): as it starts when deployed
 * through worker-start.ts, else here on the first request. A bad variable fails requests with a
 * clear message rather than the deploy.
 */
export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    let app: ReturnType<typeof workerApp>
    try {
      app = workerApp(env)
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
