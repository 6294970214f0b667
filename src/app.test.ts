import { HTTPException } from 'hono/http-exception'
import { describe, expect, it, vi } from 'vitest'
import { type AppDeps, createApp } from './app.ts'
import { loadConfig } from './config.ts'
import type { LogLine } from './middleware/request-log.ts'
import { memoryStorage } from './storage/memory.ts'

/** An app over memory storage with logs captured; `env` is what loadConfig reads. */
function testApp(env: Record<string, string> = {}, deps: Partial<AppDeps> = {}) {
  const logs: LogLine[] = []
  const app = createApp({
    config: loadConfig(env),
    storage: memoryStorage(),
    log: (line) => logs.push(line),
    ...deps,
  })
  return Object.assign(app, { logs })
}

const ERROR_SHAPE = {
  error: {
    message: expect.any(String),
    type: expect.any(String),
    code: expect.any(String),
    param: null,
  },
}

describe('foundation routes', () => {
  it('serves the welcome page at / with the models and a link to the playground', async () => {
    const response = await testApp().request('/')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await response.text()
    expect(html).toContain('fluxgate is running')
    expect(html).toContain('<code>demo</code> (default)')
    expect(html).toContain('href="/gui/"')
    expect(html).toContain('Demo mode')
    expect(html).toContain('http://localhost/v1')
  })

  it('links to PUBLIC_URL on the welcome page when set', async () => {
    const html = await (
      await testApp({ PUBLIC_URL: 'https://img.example.com' }).request('/')
    ).text()
    expect(html).toContain('https://img.example.com/v1')
  })

  it('answers /healthz with liveness and the storage kind, without auth', async () => {
    const response = await testApp({ API_KEY: 'k' }).request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      status: 'ok',
      storage: 'memory',
      time: expect.any(String),
    })
    const none = await testApp({}, { storage: null }).request('/healthz')
    expect(await none.json()).toMatchObject({ storage: 'none' })
  })

  it.each([
    '/v1/models',
    '/models',
    '/v1/v1/models',
    '/v1/models/',
  ])('lists models at %s from config alone', async (path) => {
    const calls: unknown[] = []
    const fetch = async (input: RequestInfo | URL) => {
      calls.push(input)
      return new Response()
    }
    const app = testApp({}, { fetch })
    const response = await app.request(path)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      object: 'list',
      data: [{ id: 'demo', object: 'model', created: expect.any(Number), owned_by: 'demo' }],
    })
    expect(calls).toEqual([])
  })

  it.each([
    ['GET', '/nowhere'],
    ['GET', '/v2/models'],
    ['GET', '/image'],
    ['GET', '/healthz/extra'],
    ['POST', '/healthz'],
    ['DELETE', '/v1/models'],
  ])('answers %s %s with 404 in the error shape, with CORS', async (method, path) => {
    const response = await testApp().request(path, { method })
    expect(response.status).toBe(404)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({
      error: {
        message: expect.any(String),
        type: 'invalid_request_error',
        code: 'not_found',
        param: null,
      },
    })
  })
})

describe('CORS', () => {
  it('puts Access-Control-Allow-Origin on every response, errors included', async () => {
    const app = testApp({ API_KEY: 'k', MAX_BODY_BYTES: '1024' })
    const responses = await Promise.all([
      app.request('/'),
      app.request('/healthz'),
      app.request('/v1/models'), // 401
      app.request('/v1/models', { headers: { Authorization: 'Bearer k' } }),
      app.request('/nowhere'), // 404
      app.request('/image/AAAAAAAAAAAAAAAAAAAAAA'), // 404 image
      app.request('/v1/chat/completions', { method: 'POST', body: 'x'.repeat(2000) }), // 413
    ])
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 200, 404, 404, 413])
    for (const response of responses) {
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id')
    }
  })

  it('answers a preflight with 204, the methods, and the requested headers reflected', async () => {
    const response = await testApp({ API_KEY: 'k' }).request('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://chat.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, x-stainless-os',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    // Lists compared item by item: hono/cors writes them without spaces after the commas.
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toEqual([
      'GET',
      'POST',
      'OPTIONS',
    ])
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual([
      'authorization',
      'content-type',
      'x-stainless-os',
    ])
    expect(await response.text()).toBe('')
  })

  it('answers preflights on any path, known or not, without a key', async () => {
    for (const path of ['/', '/image/x', '/nowhere', '/v1/v1/models']) {
      const response = await testApp({ API_KEY: 'k' }).request(path, { method: 'OPTIONS' })
      expect(response.status, path).toBe(204)
    }
  })

  it('reflects only listed origins when CORS_ORIGINS names them', async () => {
    const app = testApp({ CORS_ORIGINS: 'https://a.example, https://b.example' })
    const from = (origin: string, method = 'GET') =>
      app.request('/healthz', {
        method,
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
      })
    const listed = await from('https://b.example')
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://b.example')
    expect(listed.headers.get('vary')).toContain('Origin')
    const other = await from('https://evil.example')
    expect(other.status).toBe(200)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect(other.headers.get('vary')).toContain('Origin')
    const preflight = await from('https://a.example', 'OPTIONS')
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://a.example')
    const refused = await from('https://evil.example', 'OPTIONS')
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('client keys', () => {
  const unauthorized = {
    error: {
      message: expect.stringContaining('Bearer'),
      type: 'authentication_error',
      code: 'invalid_api_key',
      param: null,
    },
  }

  it.each([
    ['no Authorization header', undefined],
    ['a wrong key', 'Bearer wrong'],
    ['a key that is a prefix of the right one', 'Bearer righ'],
    ['the right key with a suffix', 'Bearer right-'],
    ['Basic auth carrying the right key', `Basic ${btoa('user:right')}`],
    ['the bare key without a scheme', 'right'],
    ['an empty bearer', 'Bearer '],
  ])('rejects %s with 401 JSON and CORS headers', async (_, authorization) => {
    const app = testApp({ API_KEY: 'right' })
    const headers: Record<string, string> = authorization ? { Authorization: authorization } : {}
    for (const path of ['/v1/models', '/models', '/v1/v1/models']) {
      const response = await app.request(path, { headers })
      expect(response.status, path).toBe(401)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('x-should-retry')).toBe('false')
      expect(await response.json()).toEqual(unauthorized)
    }
  })

  it('accepts the right key, in any case of the scheme, from API_KEY or API_KEYS', async () => {
    const app = testApp({ API_KEY: 'one', API_KEYS: 'two,three' })
    for (const authorization of ['Bearer one', 'bearer two', 'BEARER   three ']) {
      const response = await app.request('/v1/models', {
        headers: { Authorization: authorization },
      })
      expect(response.status, authorization).toBe(200)
    }
  })

  it('lets any request through when no key is configured', async () => {
    const app = testApp()
    const variants: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer anything' },
      { Authorization: 'Basic x' },
    ]
    for (const headers of variants) {
      expect((await app.request('/v1/models', { headers })).status).toBe(200)
    }
  })

  it('checks every door with one key checker, which hashes the configured keys once', async () => {
    const app = testApp({ API_KEY: 'right-key', DIRECT_API_ACCESS: 'key', RATE_LIMIT: '0' })
    const digest = vi.spyOn(crypto.subtle, 'digest')
    const digestsOfConfiguredKey = () =>
      digest.mock.calls.filter(
        ([, data]) => new TextDecoder().decode(data as Uint8Array) === 'right-key',
      ).length
    try {
      const bearer = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } })
      expect((await app.request('/v1/models', bearer('wrong-one'))).status).toBe(401)
      expect((await app.request('/?prompt=cat&key=wrong-two')).status).toBe(401)
      expect((await app.request('/?prompt=cat', bearer('wrong-three'))).status).toBe(401)
      expect(digestsOfConfiguredKey()).toBe(1)
    } finally {
      digest.mockRestore()
    }
    expect(
      (await app.request('/v1/models', { headers: { Authorization: 'Bearer right-key' } })).status,
    ).toBe(200)
    expect((await app.request('/?prompt=cat&key=right-key')).status).toBe(302)
  })

  it('never asks for a key on the page, health, stored images or preflights', async () => {
    const app = testApp({ API_KEY: 'k' })
    expect((await app.request('/')).status).toBe(200)
    expect((await app.request('/healthz')).status).toBe(200)
    expect((await app.request('/image/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404)
  })
})

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

describe('error handling', () => {
  it('answers an unexpected exception with a generic 500, never its message or stack', async () => {
    const app = testApp()
    app.get('/boom', () => {
      throw new Error('connect failed for https://user:sk-live-SECRET123@db.internal')
    })
    const response = await app.request('/boom')
    expect(response.status).toBe(500)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    const text = await response.text()
    expect(text).not.toContain('SECRET123')
    expect(text).not.toContain('at ')
    expect(text).not.toContain('.ts')
    expect(JSON.parse(text)).toEqual({
      error: {
        message: 'Internal server error',
        type: 'api_error',
        code: 'internal_error',
        param: null,
      },
    })
    // The operator gets the cause in one error line, tied to the request by its id.
    const errorLine = app.logs.find((line) => line.level === 'error')
    expect(errorLine).toMatchObject({ id: response.headers.get('x-request-id') })
    expect(String(errorLine?.stack)).toContain('app.test.ts')
  })

  it('keeps the status and client-safe message of Hono’s HTTPException', async () => {
    const app = testApp()
    app.get('/teapot', () => {
      throw new HTTPException(400, { message: 'Malformed JSON in request body' })
    })
    const response = await app.request('/teapot')
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: {
        message: 'Malformed JSON in request body',
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: null,
      },
    })
  })

  it('answers errors thrown in async handlers the same way', async () => {
    const app = testApp()
    app.get('/later', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      throw new TypeError('Cannot read properties of undefined (reading "token")')
    })
    const response = await app.request('/later')
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual(ERROR_SHAPE)
  })
})
