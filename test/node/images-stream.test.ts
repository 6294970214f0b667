import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { sniffImage } from '../../src/image/sniff.ts'
import { type FakeTogether, startFakeTogether } from '../fakes/together.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The Images API's `stream: true` and output fields over real HTTP against the Node entry,
 * driven by the official `openai` SDK: the offline demo provider (PNG only) for streamed
 * generations and edits, and a fake Together AI (JPEG or PNG on request) for the format asked
 * upstream, a format refused before any upstream call, an upstream that answers another format,
 * and a stream whose generation fails.
 */

const KEY = 'test-client-key-123'
const TOGETHER_KEY = 'tgp_v1_good-key-000'
let demo: RunningGateway
let together: RunningGateway
let fake: FakeTogether
let demoClient: OpenAI
let togetherClient: OpenAI

const clientOf = (gateway: RunningGateway) =>
  new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 })

beforeAll(async () => {
  fake = await startFakeTogether()
  demo = await startGateway({ API_KEY: KEY, RATE_LIMIT: '0' })
  together = await startGateway({
    API_KEY: KEY,
    RATE_LIMIT: '0',
    PROVIDERS: JSON.stringify([{ type: 'together', keys: [TOGETHER_KEY], baseUrl: fake.baseUrl }]),
  })
  demoClient = clientOf(demo)
  togetherClient = clientOf(together)
})
afterAll(async () => {
  await Promise.all([demo.close(), together.close(), fake.close()])
})
beforeEach(() => {
  fake.mode('ok')
  fake.requests.length = 0
})

const decoded = (b64: string) => sniffImage(Buffer.from(b64, 'base64'))

describe('images.generate({stream: true})', () => {
  it('yields one completed event per image, whose b64_json decodes to the image', async () => {
    const stream = await demoClient.images.generate({
      prompt: 'a lighthouse at dusk',
      size: '1536x1024',
      n: 2,
      stream: true,
      partial_images: 1,
    })
    const events = []
    for await (const event of stream) events.push(event)
    // No upstream here sends previews: finished images only.
    expect(events.map((event) => event.type)).toEqual([
      'image_generation.completed',
      'image_generation.completed',
    ])
    for (const event of events) {
      expect(event).toMatchObject({
        size: '1536x1024',
        output_format: 'png',
        quality: 'medium',
        background: 'opaque',
        created_at: expect.any(Number),
        usage: { total_tokens: 0 },
      })
      expect(decoded(event.b64_json)).toEqual({
        contentType: 'image/png',
        width: 1536,
        height: 1024,
      })
    }
  })

  it('is server-sent events with the event names on the wire', async () => {
    const response = await fetch(`${demo.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', stream: true, quality: 'low' }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const text = await response.text()
    expect(text).toMatch(/^event: image_generation\.completed\ndata: \{"type":"image_generation/)
    expect(JSON.parse(text.split('data: ')[1]!)).toMatchObject({ quality: 'low' })
  })

  it('raises the failure of a generation that fails after the stream began', async () => {
    fake.mode('server-error')
    const stream = await togetherClient.images.generate({ prompt: 'x', stream: true })
    const error = await (async () => {
      for await (const _ of stream) expect.unreachable('no image was made')
    })().catch((thrown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(error.message).toMatch(/together/)
    expect(error.error).toMatchObject({ type: expect.any(String), code: expect.any(String) })
    expect(fake.requests.length).toBeGreaterThan(0)
  })
})

describe('images.edit({stream: true})', () => {
  it('yields image_edit.completed with the edited image', async () => {
    const cat = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
    const stream = await demoClient.images.edit({
      image: await toFile(cat, 'cat.png', { type: 'image/png' }),
      prompt: 'make it blue',
      stream: true,
      partial_images: 2,
      output_format: 'png',
    })
    const events = []
    for await (const event of stream) events.push(event)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ type: 'image_edit.completed', output_format: 'png' })
    expect(decoded(events[0]!.b64_json)).toMatchObject({ width: 1184, height: 888 })
  })
})

describe('output_format, quality and background', () => {
  it('asks the upstream for the format and echoes it, the quality and the background', async () => {
    const reply = await togetherClient.images.generate({
      prompt: 'x',
      output_format: 'png',
      quality: 'low',
    })
    expect(fake.bodies()[0]).toMatchObject({ output_format: 'png', steps: 2 })
    expect(reply).toMatchObject({
      output_format: 'png',
      quality: 'low',
      background: 'opaque',
      size: '1024x1024',
    })
  })

  it('refuses a format no route gives with a 400, before the upstream is called', async () => {
    for (const stream of [false, true]) {
      const error = await togetherClient.images
        .generate({ prompt: 'x', output_format: 'webp', stream })
        .catch((thrown) => thrown)
      expect(error).toBeInstanceOf(OpenAI.BadRequestError)
      expect(error.param).toBe('output_format')
      expect(error.code).toBe('unsupported_parameter')
    }
    const transparent = await demoClient.images
      .generate({ prompt: 'x', background: 'transparent' })
      .catch((thrown) => thrown)
    expect(transparent).toMatchObject({ status: 400, param: 'background' })
    expect(fake.requests).toHaveLength(0)
  })

  it('never answers another format than the one asked for', async () => {
    // The fake answers PNG whatever it is asked: a JPEG request must not come back as PNG.
    const error = await togetherClient.images
      .generate({ prompt: 'x', output_format: 'jpeg' })
      .catch((thrown) => thrown)
    expect(fake.bodies()[0]).toMatchObject({ output_format: 'jpeg' })
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(error.message).toContain('asked for jpeg, the image was png')
  })
})
