import { describe, expect, it } from 'vitest'
import { testApp } from './app-testing.ts'

describe('body limit', () => {
  const env = { MAX_BODY_BYTES: '2048', API_KEY: 'k' }
  const tooLarge = {
    error: {
      message: expect.stringContaining('2048'),
      type: 'invalid_request_error',
      code: 'request_too_large',
      param: null,
    },
  }

  it('answers 413 to a body whose Content-Length is over MAX_BODY_BYTES, before auth', async () => {
    const response = await testApp(env).request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '3000' },
      body: 'x'.repeat(3000),
    })
    expect(response.status).toBe(413)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('x-should-retry')).toBe('false')
    expect(await response.json()).toEqual(tooLarge)
  })

  it('answers 413 to a chunked body with no Content-Length once it passes the limit', async () => {
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: the limit must stop reading it, not wait for its end.
        pulled++
        controller.enqueue(new Uint8Array(1000).fill(120))
      },
    })
    const request = new Request('http://localhost/v1/chat/completions', {
      method: 'POST',
      headers: { Authorization: 'Bearer k' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(request.headers.get('content-length')).toBeNull()
    const response = await testApp(env).request(request)
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual(tooLarge)
    expect(pulled).toBeLessThan(10)
  })

  it('lets a body within the limit through to the route', async () => {
    const app = testApp(env)
    app.post('/echo-length', async (c) => c.json({ length: (await c.req.text()).length }))
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(1000).fill(97))
        controller.enqueue(new Uint8Array(1000).fill(98))
        controller.close()
      },
    })
    const request = new Request('http://localhost/echo-length', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    const response = await app.request(request)
    expect(await response.json()).toEqual({ length: 2000 })
  })
})
