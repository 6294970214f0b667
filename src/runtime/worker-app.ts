import { type App, createApp } from '../app.ts'
import { LEGACY_KV_BINDINGS } from '../config/legacy.ts'
import { loadConfig } from '../config.ts'
import { bindingRateLimiter } from '../limits/binding.ts'
import { type KvBinding, kvStorage } from '../storage/kv.ts'
import { r2Storage } from '../storage/r2.ts'
import type { ImageStore } from '../storage/types.ts'
import type { WorkerEnv } from './worker.ts'

let app: App | undefined

/**
 * The isolate's app, built from the first `env` it is given and then reused: as the isolate
 * starts (worker-start.ts), else on its first request (worker.ts). Throws ConfigError for a bad
 * variable, and builds again next time.
 */
export function workerApp(env: WorkerEnv): App {
  app ??= createApp({
    config: loadConfig(env),
    storage: imageStore(env),
    bindings: { ai: env.AI },
    clientAddress: (c) => c.req.header('CF-Connecting-IP'),
    rateLimiter: env.RATE_LIMITER ? bindingRateLimiter(env.RATE_LIMITER) : undefined,
  })
  return app
}

/**
 * R2 when `IMAGES_BUCKET` is bound (no size or write-rate limits worth the name, strongly
 * consistent), else the first KV binding: a legacy script's, then `IMAGES`; else none (images
 * are then not stored).
 */
function imageStore(env: WorkerEnv): ImageStore | null {
  if (env.IMAGES_BUCKET) return r2Storage({ bucket: env.IMAGES_BUCKET })
  // Bindings are objects; a plain variable that happens to share a name is not one.
  const name = [...LEGACY_KV_BINDINGS, 'IMAGES'].find((binding) => typeof env[binding] === 'object')
  return name ? kvStorage({ binding: env[name] as KvBinding }) : null
}
