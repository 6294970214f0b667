import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../services.ts'

/**
 * CORS, and the request id on every response. hono/cors sets its headers on `c.res` before the
 * route runs, which makes Hono rebuild every response the route returns (its body read back
 * into a stream, the headers copied) and send it as a stream: a quarter of a millisecond of CPU
 * per request on Node. Here the headers go in through `c.header()`, which `c.json()`,
 * `c.body()` and the like build their response with, and a response a route made itself (a
 * chat stream, an image) gets them added once it is returned.
 *
 * The behaviour is hono/cors's: any origin or a list of them (reflected, with `Vary: Origin`),
 * exposed headers on every response, and preflights answered before auth with the methods, the
 * max age and the requested headers reflected (OpenAI's SDKs send a growing set of
 * `x-stainless-*` headers that no fixed list keeps up with).
 */

export type CorsOptions = {
  /** `['*']` for any origin, else the origins allowed. */
  origins: string[]
  allowMethods: string[]
  exposeHeaders: string[]
  maxAgeSeconds: number
}

/** What edge.ts does with CORS for each request: see cors() below for the order. */
export type CorsEdge = {
  /** The headers this request's response carries, by the request's Origin. */
  headersFor(c: Context<AppEnv>): [string, string][]
  /** The answer to a preflight (OPTIONS), given to no route. */
  preflight(c: Context<AppEnv>, headers: [string, string][]): Response
  /** Puts the headers where `c.json()`, `c.body()` and the like build their response from. */
  prepare(c: Context<AppEnv>, headers: [string, string][]): void
  /** Adds the headers to a response a route built itself, which `prepare` never reached. */
  stamp(c: Context<AppEnv>, headers: [string, string][]): void
}

export function corsEdge(options: CorsOptions): CorsEdge {
  // Worked out once: only the request id and, with a list of origins, the Origin vary.
  const anyOrigin = options.origins.includes('*')
  const exposed = options.exposeHeaders.join(',')
  const methods = options.allowMethods.join(',')
  const maxAge = String(options.maxAgeSeconds)
  return {
    headersFor(c) {
      const headers: [string, string][] = [['X-Request-Id', c.get('requestId')]]
      if (anyOrigin) headers.push(['Access-Control-Allow-Origin', '*'])
      else {
        const origin = c.req.header('Origin') ?? ''
        if (options.origins.includes(origin)) headers.push(['Access-Control-Allow-Origin', origin])
        headers.push(['Vary', 'Origin'])
      }
      headers.push(['Access-Control-Expose-Headers', exposed])
      return headers
    },
    preflight(c, headers) {
      const answer = new Headers(headers)
      answer.set('Access-Control-Max-Age', maxAge)
      answer.set('Access-Control-Allow-Methods', methods)
      const requested = c.req.header('Access-Control-Request-Headers')
      if (requested) {
        const names = requested.split(',').map((name) => name.trim())
        answer.set('Access-Control-Allow-Headers', names.join(','))
        answer.append('Vary', 'Access-Control-Request-Headers')
      }
      return new Response(null, { status: 204, headers: answer })
    },
    prepare(c, headers) {
      for (const [name, value] of headers) c.header(name, value, { append: name === 'Vary' })
    },
    stamp(c, headers) {
      if (c.res.headers.has('X-Request-Id')) return
      try {
        for (const [name, value] of headers) c.res.headers.append(name, value)
      } catch {
        // Immutable headers (a Response from fetch or Response.redirect): a copy takes them.
        const copy = new Response(c.res.body, c.res)
        for (const [name, value] of headers) copy.headers.append(name, value)
        c.res = copy
      }
    },
  }
}

/**
 * CORS on its own, as edge.ts runs it: preflights answered at once, the headers prepared before
 * the route and stamped on its own response after. Not async: see edge.ts.
 */
export function cors(options: CorsOptions): MiddlewareHandler<AppEnv> {
  const edge = corsEdge(options)
  return (c, next) => {
    const headers = edge.headersFor(c)
    if (c.req.method === 'OPTIONS') return Promise.resolve(edge.preflight(c, headers))
    edge.prepare(c, headers)
    return next().then(() => edge.stamp(c, headers))
  }
}
