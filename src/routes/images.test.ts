import { describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { sniffImage } from '../image/sniff.ts'
import { memoryStorage } from '../storage/memory.ts'

const quiet = () => {}

function app(options: { storage?: boolean; env?: Record<string, string> } = {}) {
  return createApp({
    config: loadConfig(options.env ?? {}),
    storage: options.storage === false ? null : memoryStorage(),
    log: quiet,
  })
}

const post = (body: unknown, target = app()) =>
  target.request('/v1/images/generations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

const decode = (b64: string) => Uint8Array.from(atob(b64), (char) => char.charCodeAt(0))

describe('POST /v1/images/generations', () => {
  it('answers both url and b64_json when response_format is absent, and they match', async () => {
    const gateway = app()
    const response = await post({ prompt: 'a red fox', size: '512x256', seed: 7 }, gateway)
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({ model: 'demo', provider: 'demo', seed: 7, size: '512x256' })
    expect(body.created).toBeGreaterThan(1_700_000_000)
    const [item] = body.data
    // Seeded: a content address, longer than a random key.
    expect(item.url).toMatch(/^http:\/\/localhost\/image\/[A-Za-z0-9_-]{44}$/)
    const stored = await gateway.request(new URL(item.url).pathname)
    expect(new Uint8Array(await stored.arrayBuffer())).toEqual(decode(item.b64_json))
    expect(item.revised_prompt).toBeUndefined()
  })

  it('returns n images, each only in the format asked for', async () => {
    const response = await post({ prompt: 'x', n: 3, response_format: 'b64_json' })
    const body = await response.json()
    expect(body.data).toHaveLength(3)
    for (const item of body.data) {
      expect(Object.keys(item)).toEqual(['b64_json'])
      expect(sniffImage(decode(item.b64_json))?.contentType).toBe('image/png')
    }
  })

  it('stores a b64_json image only when seeded: nothing links to an unseeded one', async () => {
    const storage = memoryStorage()
    const gateway = createApp({ config: loadConfig({}), storage, log: quiet })
    const unseeded = await post({ prompt: 'x', response_format: 'b64_json' }, gateway)
    expect(sniffImage(decode((await unseeded.json()).data[0].b64_json))).toBeTruthy()
    expect(await storage.entries()).toEqual([])
    // Seeded: kept under its content address, so the same request is answered from the store.
    const seeded = { prompt: 'x', seed: 3, response_format: 'b64_json' }
    const first = await (await post(seeded, gateway)).json()
    expect(await storage.entries()).toHaveLength(1)
    const again = await post({ ...seeded, response_format: 'url' }, gateway)
    const { url } = (await again.json()).data[0]
    const stored = await gateway.request(new URL(url).pathname)
    expect(new Uint8Array(await stored.arrayBuffer())).toEqual(decode(first.data[0].b64_json))
    expect(await storage.entries()).toHaveLength(1)
  })

  it('uses PUBLIC_URL for links', async () => {
    const gateway = app({ env: { PUBLIC_URL: 'https://img.example.com/' } })
    const body = await (await post({ prompt: 'x', response_format: 'url' }, gateway)).json()
    expect(Object.keys(body.data[0])).toEqual(['url'])
    expect(body.data[0].url).toMatch(/^https:\/\/img\.example\.com\/image\//)
  })

  it('without storage inlines: b64_json only, or a data URI when url is demanded', async () => {
    const gateway = app({ storage: false })
    const both = await (await post({ prompt: 'x' }, gateway)).json()
    expect(Object.keys(both.data[0])).toEqual(['b64_json'])
    const url = await (await post({ prompt: 'x', response_format: 'url' }, gateway)).json()
    expect(Object.keys(url.data[0])).toEqual(['url'])
    expect(url.data[0].url).toMatch(/^data:image\/png;base64,iVBOR/)
  })

  it('fits the size to the model and reports the real one with a warning', async () => {
    const body = await (await post({ prompt: 'x', size: '4096x4096' })).json()
    expect(body.size).toBe('1448x1448')
    expect(body.warnings).toEqual([expect.stringContaining('fitted')])
  })

  it('maps OpenAI model names to the default model and refuses unknown ones', async () => {
    const ok = await post({ prompt: 'x', model: 'dall-e-3', quality: 'hd', style: 'vivid' })
    expect((await ok.json()).model).toBe('demo')
    const missing = await post({ prompt: 'x', model: 'no-such-model' })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-should-retry')).toBe('false')
    expect((await missing.json()).error.code).toBe('model_not_found')
  })

  it('answers bad input with a non-retryable 400 in the OpenAI shape', async () => {
    for (const body of ['not json', '[1]', { prompt: 'x', n: 0 }, { prompt: 'x', seed: 2 ** 32 }]) {
      const response = await post(body)
      expect(response.status).toBe(400)
      expect(response.headers.get('x-should-retry')).toBe('false')
      expect((await response.json()).error).toMatchObject({ type: 'invalid_request_error' })
    }
  })

  it('needs the client key when one is configured', async () => {
    const gateway = app({ env: { API_KEY: 'secret-key-123' } })
    expect((await post({ prompt: 'x' }, gateway)).status).toBe(401)
  })
})
