import { describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { memoryStorage } from '../storage/memory.ts'
import type { LogLine } from './request-log.ts'

/**
 * The edge middleware's own answers (a preflight, the body limit's 413, a route's failure) get
 * what every response gets: the request id, the CORS headers, and one log line with their status.
 */
function testApp(env: Record<string, string> = {}) {
  const logs: LogLine[] = []
  const app = createApp({
    config: loadConfig({ MAX_BODY_BYTES: '1024', CORS_ORIGINS: 'https://a.example', ...env }),
    storage: memoryStorage(),
    log: (line) => logs.push(line),
  })
  return { app, logs }
}

const FROM_A = { Origin: 'https://a.example' }

describe('edge', () => {
  it('answers a body over the limit with a 413 that carries the id and CORS, logged once', async () => {
    const { app, logs } = testApp()
    const response = await app.request('/v1/images/generations', {
      method: 'POST',
      headers: { ...FROM_A, 'Content-Type': 'application/json', 'Content-Length': '2048' },
      body: 'x'.repeat(2048),
    })
    expect(response.status).toBe(413)
    expect((await response.json()).error.code).toBe('request_too_large')
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://a.example')
    expect(response.headers.get('vary')).toBe('Origin')
    expect(logs).toEqual([
      expect.objectContaining({
        id,
        // The route matched, though the limit answered before it ran.
        route: '/v1/images/generations',
        path: '/v1/images/generations',
        status: 413,
        errorCode: 'request_too_large',
      }),
    ])
  })

  it("puts the id and CORS on a route's failure and on a 404, each logged with its status", async () => {
    const { app, logs } = testApp()
    app.get('/boom', () => {
      throw new Error('kaput')
    })
    const failed = await app.request('/boom', { headers: FROM_A })
    const missing = await app.request('/nowhere', { headers: FROM_A })
    for (const response of [failed, missing]) {
      expect(response.headers.get('access-control-allow-origin')).toBe('https://a.example')
      expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id')
    }
    const requests = logs.filter((line) => line.method === 'GET')
    expect(requests.map(({ id, status }) => ({ id, status }))).toEqual([
      { id: failed.headers.get('x-request-id'), status: 500 },
      { id: missing.headers.get('x-request-id'), status: 404 },
    ])
  })

  it('answers a preflight before the body limit and auth, logged as 204', async () => {
    const { app, logs } = testApp({ API_KEY: 'secret' })
    const response = await app.request('/v1/images/generations', {
      method: 'OPTIONS',
      headers: { ...FROM_A, 'Content-Length': '4096' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://a.example')
    expect(response.headers.get('vary')).toBe('Origin')
    expect(logs).toEqual([expect.objectContaining({ method: 'OPTIONS', route: null, status: 204 })])
  })

  it('leaves an origin not listed without Allow-Origin, still varying by Origin', async () => {
    const { app } = testApp()
    const response = await app.request('/healthz', { headers: { Origin: 'https://b.example' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('vary')).toBe('Origin')
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})
