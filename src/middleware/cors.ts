import type { MiddlewareHandler } from 'hono'

const EXPOSED = 'x-request-id, Retry-After, X-Error-Code, x-should-retry'

/**
 * CORS on every response, errors and 404s included (seed 000 forgot them on 401/404), and
 * preflights answered without auth. Requested headers are reflected, because OpenAI's SDK
 * sends a growing set of `x-stainless-*` headers that no fixed list keeps up with.
 */
export function cors(origins: string[]): MiddlewareHandler {
  const anyOrigin = origins.includes('*')
  const allowed = new Set(origins)
  return async (c, next) => {
    const origin = c.req.header('Origin')
    const allowOrigin = anyOrigin ? '*' : origin && allowed.has(origin) ? origin : null
    if (c.req.method === 'OPTIONS') {
      const headers: Record<string, string> = {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers':
          c.req.header('Access-Control-Request-Headers') ?? 'Authorization, Content-Type',
        'Access-Control-Max-Age': '86400',
      }
      if (allowOrigin) headers['Access-Control-Allow-Origin'] = allowOrigin
      if (!anyOrigin) headers.Vary = 'Origin, Access-Control-Request-Headers'
      return c.body(null, 204, headers)
    }
    await next()
    if (allowOrigin) {
      c.res.headers.set('Access-Control-Allow-Origin', allowOrigin)
      c.res.headers.set('Access-Control-Expose-Headers', EXPOSED)
    }
    if (!anyOrigin) c.res.headers.append('Vary', 'Origin')
  }
}
