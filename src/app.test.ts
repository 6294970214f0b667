import { describe, expect, it } from 'vitest'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { memoryStorage } from './storage/memory.ts'

const quiet = () => {}

function app(env: Record<string, string> = {}) {
  return createApp({ config: loadConfig(env), storage: memoryStorage(), log: quiet })
}

describe('app', () => {
  it('answers /v1/models on every accepted path spelling', async () => {
    for (const path of ['/v1/models', '/models', '/v1/v1/models']) {
      const response = await app().request(path)
      expect(response.status, path).toBe(200)
      expect(await response.json()).toMatchObject({
        object: 'list',
        data: [{ id: 'demo', object: 'model' }],
      })
    }
  })

  it('returns 404 in the OpenAI error shape with CORS headers for unknown paths', async () => {
    const response = await app().request('/nowhere')
    expect(response.status).toBe(404)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
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
