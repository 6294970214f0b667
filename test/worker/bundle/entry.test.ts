import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { expectPreflightAnswer, PREFLIGHT } from '../../cors-preflight.ts'
import { startBundle } from './miniflare.ts'

/** The Worker entry of dist/worker.js with only the KV namespace bound: the demo provider. */

let mf: Miniflare
beforeAll(async () => {
  mf = await startBundle({ bindings: { IMAGE_EXPIRATION: '120' } })
})
afterAll(async () => {
  await mf?.dispose()
})

describe('dist/worker.js entry', () => {
  it('serves the welcome page and health', async () => {
    const page = await mf.dispatchFetch('https://gw.example/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('fluxgate is running')
    const health = await mf.dispatchFetch('https://gw.example/healthz')
    expect(await health.json()).toMatchObject({ status: 'ok', storage: 'kv' })
  })

  it('serves a demo image it generated from KV, with caching headers and a 304', async () => {
    const response = await mf.dispatchFetch('https://gw.example/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse', size: '256x128', response_format: 'url' }),
    })
    const { data } = (await response.json()) as { data: { url: string }[] }
    const image = await mf.dispatchFetch(data[0]!.url)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(image.headers.get('cache-control')).toMatch(/^public, max-age=(119|120), immutable$/)
    expect(image.headers.get('access-control-allow-origin')).toBe('*')
    const bytes = new Uint8Array(await image.arrayBuffer())
    expect(image.headers.get('content-length')).toBe(String(bytes.length))
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 256, height: 128 })
    const cached = await mf.dispatchFetch(data[0]!.url, {
      headers: { 'If-None-Match': image.headers.get('etag')! },
    })
    expect(cached.status).toBe(304)
  })

  it("edits in chat with --edit, reading the previous reply's image from KV", async () => {
    const chat = (messages: unknown[]) =>
      mf.dispatchFetch('https://gw.example/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages }),
      })
    type Reply = { choices: { message: { content: string } }[] }
    const contentOf = async (response: { json(): Promise<unknown> }) =>
      ((await response.json()) as Reply).choices[0]!.message.content
    const reply = await contentOf(await chat([{ role: 'user', content: 'a kite 16:9' }]))
    expect(reply).toContain('](https://gw.example/image/')
    const messages = [
      { role: 'user', content: 'a kite 16:9' },
      { role: 'assistant', content: reply },
      { role: 'user', content: 'a red kite --edit' },
    ]
    expect(await contentOf(await chat(messages))).toContain('✏️ Edit · input images: 1')
    const part = { type: 'image_url', image_url: { url: 'http://169.254.169.254/x.png' } }
    const refused = await chat([{ role: 'user', content: [{ type: 'text', text: 'red' }, part] }])
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_image', param: 'messages.0.content.1.image_url' },
    })
  })

  it('answers unknown paths and missing images with 404 in the error shape, with CORS', async () => {
    for (const path of ['/nowhere', '/image/ZZZZZZZZZZZZZZZZZZZZZZ', '/image/..%2f..%2fetc']) {
      const response = await mf.dispatchFetch(`https://gw.example${path}`)
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
    // Miniflare speaks undici's Request and Response types, which the Web ones match at run time.
    const response = await mf.dispatchFetch('https://gw.example/v1/chat/completions', {
      method: PREFLIGHT.method,
      headers: PREFLIGHT.headers as Record<string, string>,
    })
    expectPreflightAnswer(response as unknown as Response)
  })

  it('lists the models and tags every response with a request id', async () => {
    const response = await mf.dispatchFetch('https://gw.example/v1/v1/models')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ object: 'list', data: [{ object: 'model' }] })
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    // models.retrieve, with the id percent-encoded as the openai SDK sends it.
    const one = await mf.dispatchFetch('https://gw.example/v1/models/demo%2Fdemo')
    expect(await one.json()).toMatchObject({ id: 'demo/demo', owned_by: 'demo' })
    expect((await mf.dispatchFetch('https://gw.example/v1/models/demo%2Fnone')).status).toBe(404)
  })

  it('reports a bad variable on every request instead of failing with a bare exception', async () => {
    const bad = await startBundle({
      bindings: { RATE_LIMIT: 'fast', IMAGE_EXPIRATION: '0', API_KEY: 'sk-not-shown' },
    })
    try {
      for (let i = 0; i < 2; i++) {
        const response = await bad.dispatchFetch('https://gw.example/healthz')
        expect(response.status).toBe(500)
        expect(response.headers.get('access-control-allow-origin')).toBe('*')
        expect(response.headers.get('x-should-retry')).toBe('false')
        const body = (await response.json()) as { error: { code: string; message: string } }
        expect(body.error.code).toBe('invalid_configuration')
        expect(body.error.message).toContain('RATE_LIMIT')
        expect(body.error.message).toContain('IMAGE_EXPIRATION')
        expect(body.error.message).not.toContain('sk-not-shown')
      }
    } finally {
      await bad.dispose()
    }
  })
})
