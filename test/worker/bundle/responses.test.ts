import type { Miniflare } from 'miniflare'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageUrlOf } from '../../../src/chat/__fixtures__/sse.ts'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/** The Responses API on dist/worker.js (KV storage, the demo provider), through the openai SDK. */

let mf: Miniflare
beforeAll(async () => {
  mf = await startBundle({ bindings: { IMAGE_EXPIRATION: '300' } })
})
afterAll(async () => {
  await mf?.dispose()
})

const client = () =>
  new OpenAI({
    baseURL: 'https://gw.example/v1',
    apiKey: 'any',
    maxRetries: 0,
    fetch: ((url: string, init: RequestInit) =>
      mf.dispatchFetch(url, init as never)) as unknown as typeof fetch,
  })

const IMAGE_TOOL = { type: 'image_generation' as const, size: '256x128' }

describe('POST /v1/responses on dist/worker.js', () => {
  it('answers with the markdown link to KV, and with the tool, the base64 image', async () => {
    const markdown = await client().responses.create({ model: 'demo', input: 'a lighthouse 3:2' })
    const image = await mf.dispatchFetch(imageUrlOf(markdown.output_text))
    expect(sniffImage(new Uint8Array(await image.arrayBuffer()))).toEqual({
      contentType: 'image/png',
      width: 768,
      height: 512,
    })

    const tool = await client().responses.create({
      model: 'gpt-4.1',
      input: 'a lighthouse',
      tools: [IMAGE_TOOL],
    })
    const call = tool.output.find((item) => item.type === 'image_generation_call')
    const bytes = Uint8Array.from(atob(call?.result ?? ''), (c) => c.charCodeAt(0))
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 256, height: 128 })
    expect(tool.output_text).toContain('📐 256x128')
  })

  it('streams the events in order to response.completed', async () => {
    const stream = client().responses.stream({
      model: 'demo',
      input: 'a lighthouse',
      tools: [IMAGE_TOOL],
    })
    const types: string[] = []
    const numbers: number[] = []
    stream.on('event', (event) => {
      types.push(event.type)
      numbers.push(event.sequence_number)
    })
    const response = await stream.finalResponse()
    expect(numbers).toEqual(numbers.map((_, index) => index))
    expect(types).toContain('response.image_generation_call.completed')
    expect(types.at(-1)).toBe('response.completed')
    expect(response.output.map((item) => item.type)).toEqual(['image_generation_call', 'message'])
  })

  it('refuses a stored response to continue before any stream, in OpenAI error shape', async () => {
    const error = await client()
      .responses.create({ model: 'demo', input: 'x', previous_response_id: 'resp_1', stream: true })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({
      code: 'previous_response_not_found',
      param: 'previous_response_id',
    })
  })
})
