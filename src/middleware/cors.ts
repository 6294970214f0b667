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

/** The headers this request's response carries, by the request's Origin. */
function headersFor(c: Context<AppEnv>, options: CorsOptions): [string, string][] {
  const headers: [string, string][] = [['X-Request-Id', c.get('requestId')]]
  const anyOrigin = options.origins.includes('*')
  const origin = c.req.header('Origin') ?? ''
  const allowed = anyOrigin ? '*' : options.origins.includes(origin) ? origin : null
  if (allowed) headers.push(['Access-Control-Allow-Origin', allowed])
  if (!anyOrigin) headers.push(['Vary', 'Origin'])
  headers.push(['Access-Control-Expose-Headers', options.exposeHeaders.join(',')])
  return headers
}

function preflight(c: Context<AppEnv>, headers: [string, string][], options: CorsOptions) {
  const answer = new Headers(headers)
  answer.set('Access-Control-Max-Age', String(options.maxAgeSeconds))
  answer.set('Access-Control-Allow-Methods', options.allowMethods.join(','))
  const requested = c.req.header('Access-Control-Request-Headers')
  if (requested) {
    const names = requested.split(',').map((name) => name.trim())
    answer.set('Access-Control-Allow-Headers', names.join(','))
    answer.append('Vary', 'Access-Control-Request-Headers')
  }
  return new Response(null, { status: 204, headers: answer })
}

/** Adds `headers` to a response a route built itself, which `c.header()` never reached. */
function stamp(c: Context<AppEnv>, headers: [string, string][]): void {
  if (c.res.headers.has('X-Request-Id')) return
  try {
    for (const [name, value] of headers) c.res.headers.append(name, value)
  } catch {
    // Immutable headers (a Response from fetch or Response.redirect): a copy takes them.
    const copy = new Response(c.res.body, c.res)
    for (const [name, value] of headers) copy.headers.append(name, value)
    c.res = copy
  }
}

export function cors(options: CorsOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const headers = headersFor(c, options)
    if (c.req.method === 'OPTIONS') return preflight(c, headers, options)
    for (const [name, value] of headers) c.header(name, value, { append: name === 'Vary' })
    await next()
    stamp(c, headers)
  }
}
