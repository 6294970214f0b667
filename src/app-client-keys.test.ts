import { describe, expect, it, vi } from 'vitest'
import { testApp } from './app-testing.ts'

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
    // A bare /models without Authorization is Pollinations' public list (pollinations.test.ts).
    const paths = ['/v1/models', '/v1/v1/models', ...(authorization ? ['/models'] : [])]
    for (const path of paths) {
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
