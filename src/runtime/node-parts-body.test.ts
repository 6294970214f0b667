import { Hono } from 'hono/tiny'
import { describe, expect, it } from 'vitest'
import { partsResponse } from '../http/parts-body.ts'
import { lazyPartsResponse, takeParts } from './node-parts-body.ts'

const encoder = new TextEncoder()
const parts = () => [encoder.encode('{"b64_json":"'), encoder.encode('QUJD'), encoder.encode('"}')]
const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

/** An app whose route answers `made` parts as on the Node entry, a header set before the route. */
function app(made: Uint8Array[]) {
  const routes = new Hono()
  routes.use(async (c, next) => {
    c.header('X-Request-Id', 'req-1')
    await next()
  })
  routes.get('/', (c) => partsResponse(c, made, HEADERS, lazyPartsResponse))
  return routes
}

describe('lazyPartsResponse', () => {
  it('hands the parts over once to the entry that writes them', async () => {
    const made = parts()
    const response = await app(made).request('/')
    expect(response.headers.get('x-request-id')).toBe('req-1')
    expect(response.headers.get('content-type')).toBe('application/json')
    const taken = takeParts(response)
    // The very arrays, not copies.
    expect(taken).toHaveLength(3)
    for (const [index, part] of taken!.entries()) expect(part).toBe(made[index])
    expect(takeParts(response)).toBeUndefined()
  })

  it('joins the parts for whoever reads the body, and then hands nothing over', async () => {
    const response = await app(parts()).request('/')
    expect(await response.text()).toBe('{"b64_json":"QUJD"}')
    expect(takeParts(response)).toBeUndefined()
  })

  it('hands nothing over for a body being read', async () => {
    const response = await app(parts()).request('/')
    const reader = response.body!.getReader()
    expect(takeParts(response)).toBeUndefined()
    const { value } = await reader.read()
    expect(new TextDecoder().decode(value)).toBe('{"b64_json":"QUJD"}')
  })

  it('has nothing to hand over for a response it did not make', async () => {
    const response = await new Hono().get('/', (c) => c.json({})).request('/')
    expect(takeParts(response)).toBeUndefined()
  })
})
