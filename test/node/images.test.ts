import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createOpenAI } from '@ai-sdk/openai'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateImage } from 'ai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../src/image/sniff.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * `POST /v1/images/generations` over real HTTP against the Node entry, driven by the clients
 * people use: the official `openai` SDK, the Vercel AI SDK, and the request shapes of Open WebUI,
 * LobeChat, NextChat and Cherry Studio (as their sources read).
 */

const KEY = 'test-client-key-123'
let gateway: RunningGateway
let client: OpenAI

beforeAll(async () => {
  gateway = await startGateway({ API_KEY: KEY })
  client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
})
afterAll(() => gateway.close())

const storedCount = async () => (await readdir(join(gateway.dataDir, 'images'))).length

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return new Uint8Array(await response.arrayBuffer())
}

const post = (body: unknown, path = '/v1/images/generations') =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

describe('openai SDK client.images.generate', () => {
  it('returns b64_json that decodes to a PNG of the requested size', async () => {
    const result = await client.images.generate({
      model: 'dall-e-3',
      prompt: 'a lighthouse at dusk',
      size: '1024x1024',
      response_format: 'b64_json',
    })
    expect(result.data).toHaveLength(1)
    const item = result.data![0]!
    expect(item.url).toBeUndefined()
    const info = sniffImage(Buffer.from(item.b64_json!, 'base64'))
    expect(info).toEqual({ contentType: 'image/png', width: 1024, height: 1024 })
  })

  it('sends b64_json with its Content-Length, also when an idempotency key reads it first', async () => {
    // Without a key the entry writes the reply's parts itself; with one, the recording reads
    // the body (joined) and the adapter sends that: the same reply either way.
    for (const key of [undefined, 'b64-parts-1']) {
      const response = await fetch(`${gateway.url}/v1/images/generations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify({
          prompt: 'a lighthouse',
          size: '512x512',
          response_format: 'b64_json',
        }),
      })
      const bytes = new Uint8Array(await response.arrayBuffer())
      expect(response.headers.get('content-length')).toBe(String(bytes.length))
      expect(response.headers.get('transfer-encoding')).toBeNull()
      expect(response.headers.get('content-type')).toBe('application/json')
      expect(response.headers.get('x-request-id')).toEqual(expect.any(String))
      const body = JSON.parse(new TextDecoder().decode(bytes))
      const info = sniffImage(Buffer.from(body.data[0].b64_json, 'base64'))
      expect(info).toEqual({ contentType: 'image/png', width: 512, height: 512 })
    }
  })

  it('returns an absolute url that serves the image', async () => {
    const result = await client.images.generate({
      prompt: 'a lighthouse at dusk',
      size: '1792x1024',
      response_format: 'url',
      n: 2,
    })
    expect(result.data).toHaveLength(2)
    for (const item of result.data!) {
      expect(item.b64_json).toBeUndefined()
      expect(item.url!.startsWith(`${gateway.url}/image/`)).toBe(true)
      const info = sniffImage(await fetchBytes(item.url!))
      expect(info).toMatchObject({ width: 1792, height: 1024 })
    }
  })

  it('returns both when response_format is absent, and they hold the same bytes', async () => {
    const result = await client.images.generate({ prompt: 'a red bicycle', seed: 3 } as never)
    const item = result.data![0]!
    const fromUrl = await fetchBytes(item.url!)
    expect(Buffer.from(item.b64_json!, 'base64').equals(Buffer.from(fromUrl))).toBe(true)
    expect(result).toMatchObject({ model: 'demo', seed: 3, size: '1024x1024' })
  })

  it('surfaces a 400 as BadRequestError without retrying', async () => {
    const before = gateway.logs.length
    const error = await client.images.generate({ prompt: 'x', n: 9 }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.status).toBe(400)
    expect(gateway.logs.length - before).toBe(1)
  })
})

describe('Vercel AI SDK generateImage', () => {
  it('works through createOpenAICompatible(...).imageModel', async () => {
    const provider = createOpenAICompatible({
      name: 'fluxgate',
      baseURL: `${gateway.url}/v1`,
      apiKey: KEY,
    })
    const { images } = await generateImage({
      model: provider.imageModel('demo'),
      prompt: 'a paper boat',
      size: '512x768',
      n: 2,
      maxRetries: 0,
    })
    expect(images).toHaveLength(2)
    expect(sniffImage(images[0]!.uint8Array)).toMatchObject({ width: 512, height: 768 })
  })

  it('works through createOpenAI({baseURL}).image', async () => {
    const provider = createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY })
    const { image } = await generateImage({
      model: provider.image('demo'),
      prompt: 'a paper boat',
      size: '1024x576',
      maxRetries: 0,
    })
    expect(image.mediaType).toBe('image/png')
    expect(sniffImage(image.uint8Array)).toMatchObject({ width: 1024, height: 576 })
  })
})

describe('chat clients request shapes (clients.md section 4)', () => {
  it('Open WebUI: b64_json plus admin extras', async () => {
    const response = await post({
      model: 'demo',
      prompt: 'a fox',
      n: 1,
      size: '512x512',
      response_format: 'b64_json',
      steps: 6,
    })
    const body = await response.json()
    expect(response.status).toBe(200)
    expect(sniffImage(Buffer.from(body.data[0].b64_json, 'base64'))).toMatchObject({ width: 512 })
  })

  it('LobeChat: no response_format, reads b64_json or url', async () => {
    const response = await post({ model: 'demo', n: 1, prompt: 'a fox', size: '1024x1024' })
    const body = await response.json()
    expect(body.data[0].b64_json).toEqual(expect.any(String))
    expect(body.data[0].url).toEqual(expect.stringContaining('/image/'))
  })

  it('NextChat: dall-e-3 with quality and style, through the doubled /v1/v1 path', async () => {
    const response = await post(
      {
        model: 'dall-e-3',
        prompt: 'a fox',
        response_format: 'b64_json',
        n: 1,
        size: '1024x1792',
        quality: 'hd',
        style: 'vivid',
      },
      '/v1/v1/images/generations',
    )
    const body = await response.json()
    expect(response.status).toBe(200)
    expect(body.size).toBe('1024x1792')
    expect(body.warnings).toEqual([])
    expect(sniffImage(Buffer.from(body.data[0].b64_json, 'base64'))).toMatchObject({ height: 1792 })
  })

  it('Cherry Studio: image_size, batch_size, num_inference_steps; reads url only', async () => {
    const response = await post({
      model: 'demo',
      prompt: 'a fox',
      image_size: '768x512',
      batch_size: 2,
      seed: 12345,
      num_inference_steps: 20,
      guidance_scale: 7.5,
      negative_prompt: 'blurry',
    })
    const body = await response.json()
    expect(body.data).toHaveLength(2)
    expect(body.seed).toBe(12345)
    const info = sniffImage(await fetchBytes(body.data[1].url))
    expect(info).toMatchObject({ width: 768, height: 512 })
  })
})

describe('bad input', () => {
  it.each([
    ['n: 0', { prompt: 'x', n: 0 }, 400, 'n'],
    ['n: 99', { prompt: 'x', n: 99 }, 400, 'n'],
    ['size 1x1', { prompt: 'x', size: '1x1' }, 400, 'size'],
    ['size abc', { prompt: 'x', size: 'abc' }, 400, 'size'],
    ['response_format gif', { prompt: 'x', response_format: 'gif' }, 400, 'response_format'],
    ['missing prompt', { model: 'demo' }, 400, 'prompt'],
    ['non-JSON body', '{"prompt": ', 400, null],
  ])('%s -> %s, the OpenAI error shape, nothing stored', async (_, body, status, param) => {
    const before = await storedCount()
    const response = await post(body)
    expect(response.status).toBe(status)
    expect(response.headers.get('x-should-retry')).toBe('false')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    const { error } = await response.json()
    expect(error).toEqual({
      message: expect.any(String),
      type: 'invalid_request_error',
      code: expect.any(String),
      param,
    })
    expect(error.message.length).toBeGreaterThan(10)
    expect(await storedCount()).toBe(before)
  })

  it('unknown model -> 404 model_not_found, nothing stored', async () => {
    const before = await storedCount()
    const response = await post({ prompt: 'x', model: 'flux-ultra-9000' })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-should-retry')).toBe('false')
    expect((await response.json()).error).toMatchObject({ code: 'model_not_found' })
    expect(await storedCount()).toBe(before)
  })

  it('no key -> 401', async () => {
    const response = await fetch(`${gateway.url}/v1/images/generations`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'x' }),
    })
    expect(response.status).toBe(401)
  })

  it('logs model, provider and attempts for a generation', async () => {
    await post({ prompt: 'log me', response_format: 'url' })
    const line = gateway.logs.findLast((entry) => entry.path === '/v1/images/generations')
    expect(line).toMatchObject({ status: 200, model: 'demo', provider: 'demo', attempts: 1 })
    expect(JSON.stringify(gateway.logs)).not.toContain(KEY)
  })
})
