import { requestId } from 'hono/request-id'
import { Hono } from 'hono/tiny'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from '../services.ts'
import { cors } from './cors.ts'

const OPTIONS = {
  origins: ['*'],
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  exposeHeaders: ['x-request-id', 'Retry-After'],
  maxAgeSeconds: 600,
}

function app(origins = ['*']) {
  const routes = new Hono<AppEnv>()
  routes.use(requestId())
  routes.use(cors({ ...OPTIONS, origins }))
  routes.get('/json', (c) => c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' }))
  routes.get('/stream', () => new Response(new ReadableStream(), { headers: { 'X-Own': '1' } }))
  routes.get('/redirect', () => Response.redirect('https://example.com/', 302))
  routes.get('/fails', () => {
    throw new Error('boom')
  })
  routes.onError((_, c) => c.json({ error: 'boom' }, 500))
  return routes
}

describe('cors', () => {
  it('puts the CORS headers and the request id on responses routes build any way', async () => {
    for (const path of ['/json', '/stream', '/redirect', '/fails']) {
      const response = await app().request(path)
      expect(response.headers.get('access-control-allow-origin'), path).toBe('*')
      expect(response.headers.get('access-control-expose-headers'), path).toBe(
        'x-request-id,Retry-After',
      )
      expect(response.headers.get('x-request-id'), path).toMatch(/^[\w-]+$/)
      // Once, not twice: c.json's response has them already, a route's own gets them added.
      expect(response.headers.get('access-control-allow-origin'), path).not.toContain(',')
    }
  })

  it("keeps a route's own headers and status", async () => {
    const json = await app().request('/json')
    expect(json.headers.get('cache-control')).toBe('no-store')
    expect(json.headers.get('content-type')).toBe('application/json')
    expect(await json.json()).toEqual({ ok: true })
    const stream = await app().request('/stream')
    expect(stream.headers.get('x-own')).toBe('1')
    const redirect = await app().request('/redirect')
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe('https://example.com/')
  })

  it("passes a route's own response on as it is, not a rebuilt copy of it", async () => {
    // A copy would read the body back into a new stream: what this middleware exists to avoid.
    const own = new Response('body', { headers: { 'X-Own': '1' } })
    const routes = new Hono<AppEnv>().use(requestId()).use(cors(OPTIONS))
    routes.get('/', () => own)
    const response = await routes.request('/')
    expect(response).toBe(own)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('answers a preflight before any route, with the max age and requested headers', async () => {
    const response = await app().request('/anywhere', {
      method: 'OPTIONS',
      headers: { 'Access-Control-Request-Headers': 'authorization, x-stainless-os' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-max-age')).toBe('600')
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS')
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'authorization,x-stainless-os',
    )
    expect(response.headers.get('vary')).toBe('Access-Control-Request-Headers')
  })

  it('reflects a listed origin only, and always varies by Origin', async () => {
    const listed = app(['https://a.example'])
    const from = (origin: string, path = '/stream') =>
      listed.request(path, { headers: { Origin: origin } })
    for (const path of ['/json', '/stream']) {
      const allowed = await from('https://a.example', path)
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://a.example')
      expect(allowed.headers.get('vary')).toBe('Origin')
      const other = await from('https://evil.example', path)
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
      expect(other.headers.get('vary')).toBe('Origin')
    }
  })
})
