import { createExecutionContext, env, SELF } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { type Gateway, generateImages } from '../../src/generate/index.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { kvStorage } from '../../src/storage/kv.ts'

const images = () => (env as unknown as { IMAGES: KVNamespace }).IMAGES

describe('worker entry', () => {
  it('serves the welcome page and health inside workerd', async () => {
    const page = await SELF.fetch('https://gw.example/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('fluxgate is running')
    const health = await SELF.fetch('https://gw.example/healthz')
    expect(await health.json()).toMatchObject({ status: 'ok', storage: 'kv' })
  })

  it('serves an image stored in the KV binding with its metadata', async () => {
    const png = Uint8Array.from([
      137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 3,
    ])
    const key = 'AAAAAAAAAAAAAAAAAAAAAA'
    const now = Date.now()
    await images().put(key, png, {
      metadata: {
        contentType: 'image/png',
        width: 2,
        height: 3,
        prompt: 'p',
        finalPrompt: 'p',
        model: 'demo',
        provider: 'demo',
        createdAt: now,
        expiresAt: now + 60_000,
      },
    })
    const response = await SELF.fetch(`https://gw.example/image/${key}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png)
  })

  it('serves a demo image generated through kvStorage at /image/{key}', async () => {
    // The same path the HTTP endpoints use, writing through the driver into the Worker's KV.
    const config = loadConfig({ IMAGE_EXPIRATION: '120' })
    const gateway: Gateway = {
      config,
      storage: kvStorage({ binding: images() }),
      catalogue: new Catalogue(buildProviders(config, {}), config.defaultModel),
      fetch,
      now: Date.now,
    }
    const result = await generateImages(gateway, {
      prompt: 'a lighthouse at dusk',
      n: 1,
      width: 256,
      height: 128,
      seed: 3,
      signal: new AbortController().signal,
    })
    const [image] = result.images
    const response = await SELF.fetch(`https://gw.example/image/${image!.key}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(response.headers.get('content-length')).toBe(String(image!.bytes.length))
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=(119|120), immutable$/)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(bytes.length).toBe(image!.bytes.length)
    expect(bytes.every((byte, index) => byte === image!.bytes[index])).toBe(true)

    const cached = await SELF.fetch(`https://gw.example/image/${image!.key}`, {
      headers: { 'If-None-Match': response.headers.get('etag')! },
    })
    expect(cached.status).toBe(304)
  })

  it('answers unknown paths and missing images with 404 in the error shape, with CORS', async () => {
    for (const path of ['/nowhere', '/image/ZZZZZZZZZZZZZZZZZZZZZZ', '/image/..%2f..%2fetc']) {
      const response = await SELF.fetch(`https://gw.example${path}`)
      expect(response.status, path).toBe(404)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(await response.json()).toEqual({
        error: {
          message: expect.any(String),
          type: 'invalid_request_error',
          code: expect.stringMatching(/^(not_found|image_not_found)$/),
          param: null,
        },
      })
    }
  })

  it('answers CORS preflights with 204 and reflected headers', async () => {
    const response = await SELF.fetch('https://gw.example/v1/chat/completions', {
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
  })

  it('lists the models and tags every response with a request id', async () => {
    const response = await SELF.fetch('https://gw.example/v1/v1/models')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ object: 'list', data: [{ object: 'model' }] })
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('reports a bad variable on every request instead of failing with a bare exception', async () => {
    vi.resetModules() // a fresh isolate's worth of module state: no app built yet
    const { default: worker } = await import('../../src/runtime/worker.ts')
    const badEnv = { RATE_LIMIT: 'fast', IMAGE_EXPIRATION: '10', API_KEY: 'sk-not-shown' }
    for (let i = 0; i < 2; i++) {
      const response = await worker.fetch(
        new Request('https://gw.example/healthz'),
        badEnv,
        createExecutionContext(),
      )
      expect(response.status).toBe(500)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      const body = (await response.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('invalid_configuration')
      expect(body.error.message).toContain('RATE_LIMIT')
      expect(body.error.message).toContain('IMAGE_EXPIRATION')
      expect(body.error.message).not.toContain('sk-not-shown')
    }
  })
})
