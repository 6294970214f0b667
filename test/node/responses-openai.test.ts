import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBase64 } from '../../src/bytes/base64.ts'
import { imageUrlOf, pngSize } from '../../src/chat/__fixtures__/sse.ts'
import { encodePng } from '../../src/image/png.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * `POST /v1/responses` through the official openai SDK (`client.responses.create` and its
 * `.stream()` helper) against the Node server and the offline demo provider, which edits.
 */

const API_KEY = 'responses-test-key-0123456789'
let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({ API_KEY })
})
afterAll(() => gateway.close())

const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: API_KEY, maxRetries: 0 })
const IMAGE_TOOL = {
  type: 'image_generation' as const,
  size: '512x512',
  output_format: 'png' as const,
}

/** A 40x30 PNG as a data: URI; the demo provider keeps an input's shape (1184x888). */
const input = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
const DATA_URI = `data:image/png;base64,${encodeBase64(input)}`
const EDITED = { width: 1184, height: 888 }

/** A user message with text and one image, in the Responses API's own parts. */
const withImage = (text: string, imageUrl: string) => [
  {
    role: 'user' as const,
    content: [
      { type: 'input_text' as const, text },
      { type: 'input_image' as const, image_url: imageUrl, detail: 'auto' as const },
    ],
  },
]

async function linkedImageSize(markdown: string) {
  const url = imageUrlOf(markdown)
  expect(url.startsWith(`${gateway.url}/image/`)).toBe(true)
  const response = await fetch(url)
  expect(response.headers.get('content-type')).toBe('image/png')
  return pngSize(new Uint8Array(await response.arrayBuffer()))
}

type ImageCall = { type: 'image_generation_call'; result: string | null } & Record<string, unknown>
const imageCalls = (output: { type: string }[]) =>
  output.filter((item): item is ImageCall => item.type === 'image_generation_call')
const decodedSize = (call: ImageCall) => pngSize(Buffer.from(call.result!, 'base64'))

describe('client.responses.create', () => {
  it('answers a string input with a message carrying the markdown image', async () => {
    const response = await client().responses.create({ model: 'demo', input: 'A cute cat 3:2' })
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'demo' })
    expect(response.id).toMatch(/^resp_/)
    expect(response.output).toHaveLength(1)
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant' })
    expect(response.output_text).toContain('🎨 Original prompt: `A cute cat 3:2`')
    expect(await linkedImageSize(response.output_text)).toEqual({ width: 768, height: 512 })
    expect(response.usage?.total_tokens).toBeGreaterThan(0)
    // Nothing is kept, whatever `store` asked.
    expect(response).toMatchObject({ store: false, previous_response_id: null })
  })

  it('with the image_generation tool: the call with the base64 image, then a caption', async () => {
    const response = await client().responses.create({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: 'a lighthouse at dusk' }],
      tools: [IMAGE_TOOL],
    })
    const [call, message] = response.output
    const [image] = imageCalls(response.output)
    expect(call).toMatchObject({
      type: 'image_generation_call',
      status: 'completed',
      id: expect.stringMatching(/^ig_/),
      size: '512x512',
      output_format: 'png',
      revised_prompt: 'a lighthouse at dusk',
    })
    expect(decodedSize(image!)).toEqual({ width: 512, height: 512 })
    expect(message?.type).toBe('message')
    // The text model's name is no image model: no note about it, and no image in the text.
    expect(response.output_text).toMatch(/^🎨 `a lighthouse at dusk` · 📐 512x512 · 🤖 demo/)
    expect(response.output_text).not.toContain('![')
  })

  it('streams OpenAI events in order, numbered from 0, ending in response.completed', async () => {
    const stream = await client().responses.create({
      model: 'demo',
      input: 'A cute cat 16:9',
      stream: true,
    })
    const events: OpenAI.Responses.ResponseStreamEvent[] = []
    for await (const event of stream) events.push(event)
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index))
    const types = events.map((event) => event.type)
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ])
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    const deltas = events.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [event.delta] : [],
    )
    expect(deltas.length).toBeGreaterThan(2)
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent
    const text = deltas.join('')
    expect(completed.response.output[0]).toMatchObject({
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', text }],
    })
    expect(await linkedImageSize(text)).toEqual({ width: 1024, height: 576 })
  })

  it('streams the tool call: in_progress, generating, completed, no partial images', async () => {
    const stream = client().responses.stream({
      model: 'demo',
      input: 'a lighthouse',
      tools: [{ ...IMAGE_TOOL, partial_images: 2 }],
    })
    const types: string[] = []
    stream.on('event', (event) => types.push(event.type))
    const response = await stream.finalResponse()
    expect(types.slice(0, 7)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.image_generation_call.in_progress',
      'response.image_generation_call.generating',
      'response.image_generation_call.completed',
      'response.output_item.done',
    ])
    expect(types).not.toContain('response.image_generation_call.partial_image')
    expect(types.at(-1)).toBe('response.completed')
    const [call] = imageCalls(response.output)
    expect(decodedSize(call!)).toEqual({ width: 512, height: 512 })
    expect(response.output_text).toContain('🤖 demo')
  })
})

describe('input images', () => {
  it('edit: a data: URI in input_image, answered as markdown and through the tool', async () => {
    const markdown = await client().responses.create({
      model: 'demo',
      input: withImage('make it blue', DATA_URI),
    })
    expect(await linkedImageSize(markdown.output_text)).toEqual(EDITED)

    const tool = await client().responses.create({
      model: 'demo',
      input: withImage('make it blue', DATA_URI),
      tools: [{ type: 'image_generation' }],
    })
    expect(decodedSize(imageCalls(tool.output)[0]!)).toEqual(EDITED)
  })

  it('takes an upload by its id as file_id', async () => {
    const upload = await fetch(`${gateway.url}/v1/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ file: DATA_URI }),
    })
    const { id } = (await upload.json()) as { id: string }
    const response = await client().responses.create({
      model: 'demo',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'make it blue' },
            { type: 'input_image', file_id: id, detail: 'auto' },
          ],
        },
      ],
    })
    expect(await linkedImageSize(response.output_text)).toEqual(EDITED)
  })

  it("reads the gateway's own /image link from the store", async () => {
    const first = await client().responses.create({ model: 'demo', input: 'a fox 3:2' })
    const link = imageUrlOf(first.output_text)
    const edited = await client().responses.create({
      model: 'demo',
      input: withImage('the same fox in snow', link),
    })
    // The 3:2 input keeps its shape at the default area.
    const size = await linkedImageSize(edited.output_text)
    expect(size.width / size.height).toBeCloseTo(1.5, 1)
  })
})

describe('Idempotency-Key', () => {
  it('replays a response instead of drawing it again', async () => {
    const send = () =>
      fetch(`${gateway.url}/v1/responses`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${API_KEY}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': 'responses-once',
        },
        body: JSON.stringify({ input: 'a lighthouse' }),
      })
    const first = await send()
    const again = await send()
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.json()).toEqual(await first.json())
  })
})
