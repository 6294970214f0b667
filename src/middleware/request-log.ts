import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { AppEnv } from '../app.ts'

export type LogLine = Record<string, unknown>
export type Logger = (line: LogLine) => void

/** One JSON line per request on stdout; the default logger. */
export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line))

/** Fields routes may add that hold what a person typed; logged only with LOG_PROMPTS=true. */
const PROMPT_FIELDS = ['prompt', 'finalPrompt', 'negativePrompt'] as const

export type RequestLogOptions = {
  /** LOG_PROMPTS: keep the prompt fields routes add. Default false. */
  logPrompts?: boolean
}

/**
 * The route pattern that answered (`/image/:key`), or null when none did (404, preflight).
 * `app.use` middleware is registered for every method; routes name theirs.
 */
function answeringRoute(c: Context): string | null {
  const route = matchedRoutes(c).findLast((route) => route.method !== 'ALL')
  return route?.path ?? null
}

/**
 * Gives each request an id (returned as `x-request-id`) and logs one line when it ends (for a
 * stream, when the stream ends: see the `logAfter` variable). Only
 * the path is logged: query strings may carry `key=`, and headers are never logged. Routes add
 * fields (model, provider, attempts) with `c.set('log', ...)`; they cannot overwrite the id,
 * status or timing, and their prompt fields are dropped unless `logPrompts` is set.
 */
export function requestLog(
  log: Logger,
  now: () => number,
  options: RequestLogOptions = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = now()
    const id = crypto.randomUUID()
    c.set('requestId', id)
    c.set('log', {})
    await next()
    c.res.headers.set('x-request-id', id)
    const write = () => {
      const extra = { ...c.get('log') }
      if (!options.logPrompts) for (const field of PROMPT_FIELDS) delete extra[field]
      log({
        ...extra,
        time: new Date(started).toISOString(),
        id,
        method: c.req.method,
        route: answeringRoute(c),
        path: c.req.path,
        status: c.res.status,
        ms: now() - started,
      })
    }
    // A stream's outcome (provider, attempts, error) and duration are known only at its end;
    // the response goes out now and the line follows.
    const after = c.get('logAfter')
    if (after) void after.then(write)
    else write()
  }
}
