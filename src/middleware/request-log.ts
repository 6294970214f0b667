import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app.ts'

export type LogLine = Record<string, unknown>
export type Logger = (line: LogLine) => void

/** One JSON line per request on stdout; the default logger. */
export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line))

/**
 * Gives each request an id (returned as `x-request-id`) and logs one line when it ends. Only
 * the path is logged: query strings may carry `key=`, and headers are never logged. Routes add
 * fields (model, provider, attempts) with `c.set('log', ...)`.
 */
export function requestLog(log: Logger, now: () => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = now()
    const id = crypto.randomUUID()
    c.set('requestId', id)
    c.set('log', {})
    await next()
    c.res.headers.set('x-request-id', id)
    log({
      time: new Date(started).toISOString(),
      id,
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      ms: now() - started,
      ...c.get('log'),
    })
  }
}
