import type { ErrorHandler, MiddlewareHandler } from 'hono'
import type { AppEnv, Services } from '../services.ts'
import type { CorsEdge } from './cors.ts'
import type { RequestLogger } from './request-log.ts'

/**
 * What every request goes through before its route, in one middleware: the services and the
 * request id, the log line's clock, CORS (preflights answered before auth, the headers on every
 * response, errors and 404s included) and the body limit. One, and not async: Hono runs each
 * middleware in a frame of its own compose, and each async one that awaits the route holds a
 * promise and its frame for as long as the request waits on its upstream (seconds). Here the
 * work after the route is a `then` on the route's promise.
 */

export type EdgeParts = {
  services: Services
  log: RequestLogger
  cors: CorsEdge
  /** limitBody (http/body.ts): answers 413 itself, or reads on through `next`. */
  limitBody: MiddlewareHandler<AppEnv>
  /** The app's onError: what a failure of the body limit itself (a 499) is answered with. */
  onError: ErrorHandler<AppEnv>
}

/** A proxy's well-formed X-Request-Id is kept, so its logs and ours name requests alike. */
export function requestIdOf(sent: string | undefined): string {
  const wellFormed = sent !== undefined && sent.length > 0 && sent.length <= 64
  return wellFormed && !/[^\w\-=]/.test(sent) ? sent : crypto.randomUUID()
}

export function edge({
  services,
  log,
  cors,
  limitBody,
  onError,
}: EdgeParts): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    c.set('services', services)
    // cors puts it on every response, preflights included.
    c.set('requestId', requestIdOf(c.req.header('X-Request-Id')))
    const started = log.start(c)
    const headers = cors.headersFor(c)
    if (c.req.method === 'OPTIONS') {
      const preflight = cors.preflight(c, headers)
      log.end(c, started, preflight.status)
      return Promise.resolve(preflight)
    }
    cors.prepare(c, headers)
    const ended = (answer?: unknown): void => {
      // The limit's own 413, which Hono has not made `c.res` yet; a route's answer is `c.res`.
      if (answer instanceof Response) c.res = answer
      cors.stamp(c, headers)
      log.end(c, started)
    }
    // What Hono's compose does with a middleware that throws: only the body limit's failures
    // reach here, the route's were answered by the onError of their own frame.
    const failed = async (error: unknown) => {
      if (!(error instanceof Error)) throw error
      c.error = error
      c.res = await onError(error, c)
      ended()
    }
    try {
      return limitBody(c, next).then(ended, failed)
    } catch (error) {
      return failed(error)
    }
  }
}
