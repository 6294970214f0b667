import type { Miniflare } from 'miniflare'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/**
 * A streamed generation from dist/worker.js in workerd (the demo provider, KV storage), read by
 * the official `openai` SDK over a real socket, as a client of a deployed Worker reads it.
 */

let mf: Miniflare
let client: OpenAI
beforeAll(async () => {
  mf = await startBundle()
  const url = await mf.ready
  client = new OpenAI({ apiKey: 'unused', baseURL: new URL('/v1', url).href, maxRetries: 0 })
})
afterAll(async () => {
  await mf?.dispose()
})

describe('images.generate({stream: true}) on dist/worker.js', () => {
  it('yields a completed event whose b64_json decodes to the image', async () => {
    const stream = await client.images.generate({
      prompt: 'a paper boat',
      size: '512x768',
      stream: true,
      partial_images: 1,
      output_format: 'png',
    })
    const events = []
    for await (const event of stream) events.push(event)
    expect(events).toHaveLength(1)
    const [event] = events
    expect(event).toMatchObject({
      type: 'image_generation.completed',
      size: '512x768',
      output_format: 'png',
    })
    const bytes = Uint8Array.from(atob(event!.b64_json), (char) => char.charCodeAt(0))
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 512, height: 768 })
  })

  it('refuses a format the demo model does not give, before drawing', async () => {
    const error = await client.images
      .generate({ prompt: 'x', output_format: 'jpeg', stream: true })
      .catch((thrown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.param).toBe('output_format')
  })
})
