import { env } from 'cloudflare:workers'
import worker, { type WorkerEnv } from './worker.ts'
import { workerApp } from './worker-app.ts'

/**
 * The deployed Worker's entry (wrangler.jsonc `main`, dist/worker.js): worker.ts, with the app
 * built while the isolate starts instead of on its first request. Cloudflare bounds start-up on
 * its own (it is not a request's CPU time), and the build (config, providers, routes: about half
 * of what a fresh isolate's first request spent above a minimal Worker's, bench:worker) would
 * otherwise count towards the first request's 10 ms on the Free plan. Tests import worker.ts,
 * which builds from the `env` they pass.
 */
try {
  workerApp(env as WorkerEnv)
} catch {
  // A bad variable (or anything else) is reported by the first request, which builds again.
}

export default worker
