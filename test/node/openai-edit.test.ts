import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/config.ts'
import { errorHeaders } from '../../src/errors.ts'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection, testPng } from '../contracts/provider.ts'
import { type FakeOpenAiImages, startFakeOpenAiImages } from '../fakes/openai-images.ts'
import { startFakeWorkersAi } from '../fakes/workers-ai.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'

/**
 * Edits through the openai provider: `POST {base}/images/edits` as OpenAI's multipart form, to a
 * fake that reads it as OpenAI does (OpenAI's own models) or as a self-hosted server would (an
 * entry's `options.input` says its models edit); and an edit failing over from Workers AI to
 * another fluxgate that serves the same public id.
 */

const KEY = 'sk-test-0123456789abcdef'
const track = closedAfterEach()
const square = await testPng(64, 64, 1)
const wide = await testPng(64, 48, 2)
const mask = await encodePng(64, 48, new Uint8Array(64 * 48 * 3))

async function setup(models: string[], extra: Partial<ProviderEntry> = {}) {
  const fake = track(await startFakeOpenAiImages({ keys: [KEY] }))
  const entry = { type: 'openai', keys: [KEY], baseUrl: fake.baseUrl, models, ...extra }
  return { fake, ...gatewayFor([entry]) }
}

const bytesOf = (fake: FakeOpenAiImages) => fake.edits[0]!.images.map((image) => image.bytes)

describe('openai provider edits', () => {
  it('sends gpt-image-1 every image as image[] and the mask, without response_format', async () => {
    const { fake, generate } = await setup(['gpt-image-1'])
    const result = await generate({
      model: 'gpt-image-1',
      prompt: 'a gift basket of these',
      images: [{ bytes: wide }, { bytes: square }],
      mask: { bytes: mask },
      n: 2,
    })
    expect(fake.edits).toHaveLength(1)
    const [call] = fake.edits
    expect(call!.fields).toEqual({
      model: 'gpt-image-1',
      prompt: 'a gift basket of these',
      n: 2,
      // The first image's 4:3 shape, fitted to the nearest size GPT image models make.
      size: '1536x1024',
    })
    expect(call!.imageField).toBe('image[]')
    expect(call!.images.map(({ name, type }) => [name, type])).toEqual([
      ['image-1.png', 'image/png'],
      ['image-2.png', 'image/png'],
    ])
    expect(bytesOf(fake)).toEqual([wide, square])
    expect(call!.mask).toEqual({ name: 'mask.png', type: 'image/png', bytes: mask })
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`])
  })

  it('sends dall-e-2 its one square PNG as `image`, asking for base64', async () => {
    const { fake, generate } = await setup(['dall-e-2'])
    await generate({ model: 'dall-e-2', images: [{ bytes: square }] })
    const [call] = fake.edits
    expect(call!.imageField).toBe('image')
    expect(call!.fields).toEqual({
      model: 'dall-e-2',
      prompt: 'a red fox in fresh snow',
      n: 1,
      size: '1024x1024',
      response_format: 'b64_json',
    })
    expect(bytesOf(fake)).toEqual([square])
  })

  it("passes OpenAI's refusal of a non-square dall-e-2 image on as a 400, not retried", async () => {
    const { fake, generate } = await setup(['dall-e-2'])
    const error = await rejection(generate({ model: 'dall-e-2', images: [{ bytes: wide }] }))
    expect(error).toMatchObject({ status: 400, code: 'upstream_rejected_request' })
    expect(error.message).toContain('Uploaded image must be square')
    expect(errorHeaders(error)['x-should-retry']).toBe('false')
    expect(fake.edits).toHaveLength(0)
    expect(fake.requests).toHaveLength(1)
  })

  it('refuses a second image for dall-e-2 and any image for dall-e-3, before calling', async () => {
    const { fake, generate } = await setup(['dall-e-2', 'dall-e-3'])
    const two = await rejection(
      generate({ model: 'dall-e-2', images: [{ bytes: square }, { bytes: square }] }),
    )
    expect(two).toMatchObject({ status: 400, code: 'too_many_images' })
    const three = await rejection(generate({ model: 'dall-e-3', images: [{ bytes: square }] }))
    expect(three).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'image' })
    expect(fake.requests).toHaveLength(0)
  })

  it('lets a self-hosted model edit only when the entry says so in options.input', async () => {
    const plain = await setup(['flux-kontext-dev'])
    const refused = await rejection(
      plain.generate({ model: 'flux-kontext-dev', images: [{ bytes: wide }] }),
    )
    expect(refused).toMatchObject({ status: 400, code: 'unsupported_parameter' })
    expect(plain.fake.requests).toHaveLength(0)

    const editing = await setup(['flux-kontext-dev'], { options: { input: { maxImages: 2 } } })
    await editing.generate({ model: 'flux-kontext-dev', images: [{ bytes: wide }], seed: 4 })
    expect(editing.fake.edits[0]!.fields).toEqual({
      model: 'flux-kontext-dev',
      prompt: 'a red fox in fresh snow',
      n: 1,
      size: '1184x888',
      response_format: 'b64_json',
    })
    expect(editing.fake.edits[0]!.unknown).toEqual([])
    // No mask unless the option says so.
    const masked = await rejection(
      editing.generate({
        model: 'flux-kontext-dev',
        images: [{ bytes: wide }],
        mask: { bytes: mask },
      }),
    )
    expect(masked).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'mask' })
    expect(editing.fake.requests).toHaveLength(1)
  })

  it('fails an edit over from a failing Workers AI to a fluxgate serving the same model', async () => {
    const workersAi = track(
      await startFakeWorkersAi({ accounts: { acc: 'token' }, image: makeJpeg(64, 64) }),
    )
    workersAi.mode = 'server-error'
    const fluxgate = track(await startFakeOpenAiImages())
    const { generate } = gatewayFor([
      { type: 'workers-ai', keys: ['acc:token'], baseUrl: workersAi.apiBase, priority: 1 },
      {
        type: 'openai',
        baseUrl: fluxgate.baseUrl,
        models: ['flux-2-klein-4b'],
        options: { input: { maxImages: 4 } },
      },
    ])
    const result = await generate({ model: 'flux-2-klein-4b', images: [{ bytes: wide }] })
    expect(result.provider).toBe('openai')
    expect(result.attempts).toBe(2)
    expect(Object.keys(workersAi.calls[0]!.files)).toEqual(['input_image_0'])
    expect(fluxgate.edits[0]!.fields.model).toBe('flux-2-klein-4b')
    expect(bytesOf(fluxgate)).toEqual([wide])
    expect(result.images[0]!.bytes).toEqual(fluxgate.served[0])
  })
})
