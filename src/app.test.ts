import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { testApp } from './app-testing.ts'

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

  it('lists the doors for programs on the welcome page, one line each', async () => {
    const html = await (await testApp().request('/')).text()
    const doors = /<p>More doors,[\s\S]*?<ul>([\s\S]*?)<\/ul>/.exec(html)![1]!.split('</li>')
    expect(doors.slice(0, -1).map((line) => /<code>([^<]*)<\/code>/.exec(line)![1])).toEqual([
      'POST /v1/images/generations',
      'POST /v1/images/edits, /v1/images/variations, /v1/uploads',
      'GET /prompt/{prompt}',
      'GET /v1/models/{id}',
      'POST /v1/responses',
      'POST /mcp',
    ])
    expect(html).toContain('<a href="/prompt/a%20cute%20cat"><code>GET /prompt/{prompt}</code></a>')
    expect(html).toContain('<a href="/v1/models/demo"><code>GET /v1/models/{id}</code></a>')
  })

  it('links to PUBLIC_URL on the welcome page when set', async () => {
    const html = await (
      await testApp({ PUBLIC_URL: 'https://img.example.com' }).request('/')
    ).text()
    expect(html).toContain('https://img.example.com/v1')
    expect(html).toContain('under <code>https://img.example.com</code>')
    expect(html).toContain('<code>POST /mcp</code>')
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
    // Any key when none is configured; a bare `/models` without one is Pollinations' list.
    const response = await app.request(path, { headers: { Authorization: 'Bearer any' } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      object: 'list',
      data: [expect.objectContaining({ id: 'demo', object: 'model', created: expect.any(Number) })],
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
