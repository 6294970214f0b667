import { Hono } from 'hono/tiny'
import { describe, expect, it } from 'vitest'
import { type PartsResponder, partsResponse } from './parts-body.ts'

const encoder = new TextEncoder()
const parts = () => [encoder.encode('{"b64_json":"'), encoder.encode('QUJD'), encoder.encode('"}')]
const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

/** An app whose route answers `made` parts, with a header set before the route as CORS does. */
function app(made: Uint8Array[], respond?: PartsResponder) {
  const routes = new Hono()
  routes.use(async (c, next) => {
    c.header('X-Request-Id', 'req-1')
    await next()
  })
  routes.get('/', (c) => partsResponse(c, made, HEADERS, respond))
  return routes
}

describe('partsResponse', () => {
  it('joins the parts at once where no runtime writes them itself (the Worker)', async () => {
    const response = await app(parts()).request('/')
    expect(response.headers.get('x-request-id')).toBe('req-1')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.text()).toBe('{"b64_json":"QUJD"}')
  })

  it("hands the very parts to the runtime's responder", async () => {
    const made = parts()
    const seen: Uint8Array[][] = []
    const respond: PartsResponder = (c, given, headers) => {
      seen.push(given)
      return c.body('made by the runtime', 200, headers)
    }
    const response = await app(made, respond).request('/')
    expect(seen).toEqual([made])
    expect(seen[0]![0]).toBe(made[0])
    expect(response.headers.get('x-request-id')).toBe('req-1')
    expect(await response.text()).toBe('made by the runtime')
  })

  it('sends one part as a plain body, without the responder', async () => {
    const respond: PartsResponder = () => {
      throw new Error('called for one part')
    }
    const response = await app([encoder.encode('{"data":[]}')], respond).request('/')
    expect(await response.text()).toBe('{"data":[]}')
  })
})
