import { describe, expect, it } from 'vitest'
import { expectPreflightAnswer, PREFLIGHT } from '../test/cors-preflight.ts'
import { testApp } from './app-testing.ts'

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
    const response = await testApp({ API_KEY: 'k' }).request('/v1/chat/completions', PREFLIGHT)
    expectPreflightAnswer(response)
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
