import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSse, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Image output OpenRouter's way: with `modalities` containing "image", the image is
 * `message.images[]` (streamed: `delta.images[]`) as a data: URL, `{type: "image_url",
 * image_url: {url}}`, beside a short caption, and never also as a markdown image.
 */

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ RATE_LIMIT: '0' })
})
afterAll(() => gateway.close())

const post = (body: Record<string, unknown>) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
const asking = (content: string, fields: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content }],
  modalities: ['image', 'text'],
  ...fields,
})

/** The PNG a data: URL holds, as its width and height. */
function dataUrlSize(url: string) {
  expect(url).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/)
  return pngSize(Uint8Array.from(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')))
}

const CAPTION = /^🎨 `A cute cat` · 📐 (\d+x\d+) · 🤖 demo · 🎲 \d+$/

describe('chat completions with modalities: ["image", "text"]', () => {
  it('answers message.images with a data: URL and a caption without the image', async () => {
    const response = await post(asking('A cute cat', { image_config: { aspect_ratio: '16:9' } }))
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: expect.stringMatching(CAPTION),
          refusal: null,
          images: [{ type: 'image_url', image_url: { url: expect.any(String) } }],
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ])
    const { content, images } = body.choices[0].message
    expect(CAPTION.exec(content)?.[1]).toBe('1024x576')
    expect(dataUrlSize(images[0].image_url.url)).toEqual({ width: 1024, height: 576 })
    expect(body.usage.completion_tokens).toBe(Math.ceil(content.length / 4))
  })

  it('streams the caption, then the image in a chunk of its own, then stop and [DONE]', async () => {
    const response = await post(asking('A cute cat 9:16', { stream: true }))
    expect(response.status).toBe(200)
    const raw = await response.text()
    const data = parseSse(raw).flatMap((block) => (block.kind === 'data' ? [block.data] : []))
    expect(data.at(-1)).toBe('[DONE]')
    const deltas = data.slice(0, -1).map((text) => JSON.parse(text).choices[0])
    expect(deltas).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      {
        index: 0,
        delta: { content: expect.stringMatching(CAPTION) },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: {
          images: [{ type: 'image_url', image_url: { url: expect.any(String) }, index: 0 }],
        },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ])
    // The prompt's own ratio is the more specific ask: it wins over image_config.
    expect(CAPTION.exec(deltas[1].delta.content)?.[1]).toBe('576x1024')
    expect(dataUrlSize(deltas[2].delta.images[0].image_url.url)).toEqual({
      width: 576,
      height: 1024,
    })
    expect(raw).not.toContain('![')
  })

  it('reaches a client of the official openai SDK, which keeps the extra field', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 })
    const completion = await client.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'A cute cat 3:2' }],
      // @ts-expect-error OpenRouter's field, not in OpenAI's types
      modalities: ['image', 'text'],
    })
    const message = completion.choices[0]!.message as (typeof completion.choices)[0]['message'] & {
      images: { image_url: { url: string } }[]
    }
    expect(message.content).not.toContain('![')
    expect(dataUrlSize(message.images[0]!.image_url.url)).toEqual({ width: 768, height: 512 })
  })

  it('keeps the markdown reply without modalities, sized by image_config alone', async () => {
    const response = await post({
      messages: [{ role: 'user', content: 'A cute cat' }],
      image_config: { aspect_ratio: '9:16' },
    })
    const { message } = (await response.json()).choices[0]
    expect(message).not.toHaveProperty('images')
    expect(message.content).toContain('📐 Image specifications: 576x1024')
    expect(message.content).toMatch(/\n\n!\[A cute cat\]\(http:\/\/127\.0\.0\.1:\d+\/image\//)
  })

  it('refuses a modality or aspect ratio it cannot give with a 400, before drawing', async () => {
    const stored = async () => (await readdir(join(gateway.dataDir, 'images'))).length
    const before = await stored()
    const cases: [Record<string, unknown>, string][] = [
      [{ modalities: ['video'] }, 'modalities.0'],
      [{ modalities: ['image', 'audio'] }, 'modalities.1'],
      [{ modalities: 'image' }, 'modalities'],
      [{ image_config: { aspect_ratio: 'wide' } }, 'image_config.aspect_ratio'],
      [{ image_config: { aspect_ratio: '0:1' } }, 'image_config.aspect_ratio'],
      [{ image_config: 'square' }, 'image_config'],
    ]
    for (const [fields, param] of cases) {
      for (const stream of [false, true]) {
        const response = await post({ ...asking('A cute cat'), ...fields, stream })
        expect(response.status, param).toBe(400)
        expect(response.headers.get('x-should-retry')).toBe('false')
        const { error } = await response.json()
        expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' })
        expect(error.param).toBe(param)
        expect(error.message, param).toMatch(new RegExp(`^${param} must be `))
      }
    }
    expect(await stored()).toBe(before)
  })
})
