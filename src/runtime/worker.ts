import type { ExecutionContext } from 'hono'
import { type App, createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import type { AiBinding } from '../providers/types.ts'
import { type KvBinding, kvStorage } from '../storage/kv.ts'

/** Bindings the Worker understands; every one is optional. */
export type WorkerEnv = {
  AI?: AiBinding
  /** Images: seed 000's name, seed 004's name, or the neutral one. */
  FLUX_CF_KV?: KvBinding
  FLUX_API?: KvBinding
  IMAGES?: KvBinding
  [variable: string]: unknown
}

let app: App | undefined

/**
 * Workers entry. The app is built on first request, not at module load, so a bad variable fails
 * requests with a clear message rather than the deploy; the isolate then reuses it.
 */
export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    app ??= build(env)
    return app.fetch(request, env, ctx)
  },
}

function build(env: WorkerEnv): App {
  const kv = env.FLUX_CF_KV ?? env.FLUX_API ?? env.IMAGES
  return createApp({
    config: loadConfig(env),
    storage: kv ? kvStorage({ binding: kv }) : null,
    bindings: { ai: env.AI },
    clientAddress: (c) => c.req.header('CF-Connecting-IP'),
  })
}
