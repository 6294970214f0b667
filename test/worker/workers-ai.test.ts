import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { encodePng } from '../../src/image/png.ts'
import type { AiBinding } from '../../src/providers/types.ts'
import { kvStorage } from '../../src/storage/kv.ts'
import { makeJpeg, toBase64 } from '../fakes/workers-ai-image.ts'

/**
 * The workers-ai provider inside workerd, through the `AI` binding. The main worker's env.AI
 * cannot be swapped per test, so the app is built here from the same code the Worker entry uses
 * (createApp + loadConfig + kvStorage on the real KV binding) with a binding double that answers
 * as the real one does: `{image: base64}` for flux-1-schnell and FLUX.2, a
 * `ReadableStream<Uint8Array>` for SDXL and the other binary models.
 */

const JPEG = makeJpeg(1024, 1024, 300 * 1024)
const KEY = 'worker-client-key'

type Call = { model: string; inputs: unknown; signal: unknown; form?: FormData }
type Multipart = { multipart: { body: ReadableStream; contentType: string } }

function aiDouble(png: Uint8Array, failure?: string) {
  const calls: Call[] = []
  const ai: AiBinding = {
    async run(model, inputs, options) {
      const call: Call = { model, inputs, signal: options?.signal }
      calls.push(call)
      if (/flux-2/.test(model)) {
        // Read the form as the real binding does, before answering: FLUX.2 takes nothing else.
        const { body, contentType } = (inputs as Multipart).multipart
        call.form = await new Response(body, {
          headers: { 'content-type': contentType },
        }).formData()
      }
      if (failure) throw new Error(failure)
      if (/stable-diffusion|phoenix|dreamshaper/.test(model)) {
        // The real binding streams binary models' bytes; two chunks, as a stream would.
        return new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(png.slice(0, 10))
            controller.enqueue(png.slice(10))
            controller.close()
          },
        })
      }
      return { image: toBase64(JPEG) }
    },
  }
  return { ai, calls }
}

function buildApp(ai: AiBinding) {
  const config = loadConfig({ API_KEY: KEY, IMAGE_EXPIRATION: '120' })
  const images = (env as unknown as { IMAGES: KVNamespace }).IMAGES
  return createApp({
    config,
    storage: kvStorage({ binding: images }),
    bindings: { ai },
    log: () => {},
  })
}

const post = (app: ReturnType<typeof buildApp>, path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

async function stored(app: ReturnType<typeof buildApp>, url: string) {
  const response = await app.request(new URL(url).pathname)
  expect(response.status).toBe(200)
  return {
    type: response.headers.get('content-type'),
    bytes: new Uint8Array(await response.arrayBuffer()),
  }
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((v, i) => v === b[i])

describe('workers-ai through the AI binding, inside workerd', () => {
  it('serves flux-schnell by default and stores its base64 JPEG in KV byte for byte', async () => {
    const { ai, calls } = aiDouble(new Uint8Array())
    const app = buildApp(ai)
    const response = await post(app, '/v1/chat/completions', {
      messages: [{ role: 'user', content: 'a red fox in snow 16:9' }],
    })
    expect(response.status).toBe(200)
    const text = ((await response.json()) as { choices: { message: { content: string } }[] })
      .choices[0]!.message.content
    expect(calls).toHaveLength(1)
    expect(calls[0]!.model).toBe('@cf/black-forest-labs/flux-1-schnell')
    expect(calls[0]!.inputs).toEqual({
      prompt: 'a red fox in snow',
      steps: 4,
      seed: expect.any(Number),
    })
    expect(calls[0]!.signal).toBeInstanceOf(AbortSignal)
    const url = /\]\((https?:[^)\s]+\/image\/[^)\s]+)\)/.exec(text)?.[1]
    expect(url).toBeDefined()
    const image = await stored(app, url!)
    expect(image.type).toBe('image/jpeg')
    expect(same(image.bytes, JPEG)).toBe(true)
  })

  it('collects an SDXL ReadableStream into the stored PNG', async () => {
    const png = await encodePng(32, 16, new Uint8Array(32 * 16 * 3).fill(200))
    const { ai, calls } = aiDouble(png)
    const app = buildApp(ai)
    const response = await post(app, '/v1/images/generations', {
      model: 'sdxl',
      prompt: 'a tram',
      size: '1024x576',
      response_format: 'url',
    })
    expect(response.status).toBe(200)
    expect(calls[0]!.inputs).toMatchObject({
      prompt: 'a tram',
      width: 1024,
      height: 576,
      num_steps: 20,
    })
    const { data } = (await response.json()) as { data: { url: string }[] }
    const image = await stored(app, data[0]!.url)
    expect(image.type).toBe('image/png')
    expect(same(image.bytes, png)).toBe(true)
  })

  it('hands klein a multipart body through the binding, as { multipart: { body, contentType } }', async () => {
    const { ai, calls } = aiDouble(new Uint8Array())
    const app = buildApp(ai)
    const response = await post(app, '/v1/images/generations', {
      model: 'flux-2-klein',
      prompt: 'a kite',
      size: '1000x500',
      response_format: 'b64_json',
    })
    expect(response.status).toBe(200)
    const { multipart } = calls[0]!.inputs as Multipart
    expect(multipart.contentType).toMatch(/^multipart\/form-data; boundary=/)
    const form = calls[0]!.form!
    expect(form.get('prompt')).toBe('a kite')
    expect([form.get('width'), form.get('height')]).toEqual(['1008', '496'])
    expect(form.has('steps')).toBe(false)
  })

  it('edits its own stored image with FLUX.2: read from KV, sent as the input_image_0 file', async () => {
    const { ai, calls } = aiDouble(new Uint8Array())
    const app = buildApp(ai)
    const drawn = await post(app, '/v1/images/generations', {
      model: 'flux-2-klein-4b',
      prompt: 'a cat on a sofa',
      response_format: 'url',
    })
    const { data } = (await drawn.json()) as { data: { url: string }[] }
    const query = new URLSearchParams({ model: 'flux-2-klein-4b', key: KEY, image: data[0]!.url })
    const edited = await app.request(`/prompt/make%20the%20sofa%20blue?${query}`)
    expect(edited.status).toBe(200)
    expect(edited.headers.get('content-type')).toBe('image/jpeg')
    expect(calls).toHaveLength(2)
    const form = calls[1]!.form!
    expect(form.get('prompt')).toBe('make the sofa blue')
    // The stored 1024x1024 JPEG keeps its square shape.
    expect([form.get('width'), form.get('height')]).toEqual(['1024', '1024'])
    const file = form.get('input_image_0') as File
    expect([file.name, file.type]).toEqual(['image-0.jpg', 'image/jpeg'])
    expect(same(new Uint8Array(await file.arrayBuffer()), JPEG)).toBe(true)
    expect(form.has('input_image_1')).toBe(false)
  })

  it('maps a thrown 3036 to 503 with Retry-After until 00:00 UTC and an NSFW error to 400', async () => {
    const quota = buildApp(aiDouble(new Uint8Array(), 'AiError: 3036: daily free allocation').ai)
    const limited = await post(quota, '/v1/images/generations', { prompt: 'a fox' })
    expect(limited.status).toBe(503)
    const midnight = new Date()
    midnight.setUTCHours(24, 0, 0, 0)
    const expected = (midnight.getTime() - Date.now()) / 1000
    expect(Math.abs(Number(limited.headers.get('retry-after')) - expected)).toBeLessThan(5)

    const refusal = 'AiError: Input prompt contains NSFW content (code 3030)'
    const nsfw = buildApp(aiDouble(new Uint8Array(), refusal).ai)
    const refused = await post(nsfw, '/v1/images/generations', { prompt: 'a fox' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'content_policy_violation',
    )
  })
})
