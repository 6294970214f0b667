import { describe, expect, it } from 'vitest'
import { errorHeaders } from '../../src/errors.ts'
import { closedAfterEach, gatewayFor, rejection, testPng } from '../contracts/provider.ts'
import { startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'

/**
 * Edits on SiliconFlow: the Qwen-Image-Edit models take the images as data URIs in `image`,
 * `image2` and `image3` of the usual JSON body, and no size; they only edit. Against the fake
 * SiliconFlow, through generateImages.
 */

const track = closedAfterEach()
const png = await testPng(64, 48, 3)
const jpeg = makeJpeg(40, 40, 2_000)

async function setup(key = 'good') {
  const fake = track(await startFakeSiliconflow({ keys: { refused: 'refused' } }))
  const entry = { type: 'siliconflow', keys: [key], baseUrl: fake.baseUrl }
  return { fake, ...gatewayFor([entry]) }
}

/** The bytes of a `data:` URI the fake received, and its type. */
function fromDataUri(value: unknown): { type: string; bytes: Uint8Array } {
  const [, type, base64] = /^data:([^;]+);base64,(.+)$/.exec(String(value)) ?? []
  return { type: type ?? '', bytes: new Uint8Array(Buffer.from(base64 ?? '', 'base64')) }
}

describe('siliconflow edits', () => {
  it('sends Qwen-Image-Edit-2509 three images as data URIs, no size, and gets the edit', async () => {
    const { fake, generate } = await setup()
    const result = await generate({
      model: 'qwen-image-edit-2509',
      prompt: 'the woman from image 1 in the dress from image 2',
      negativePrompt: 'blurry',
      images: [{ bytes: png }, { bytes: jpeg }, { bytes: png }],
      seed: 11,
    })
    const [body] = fake.bodies()
    expect(Object.keys(body!).sort()).toEqual(
      [
        'image',
        'image2',
        'image3',
        'model',
        'negative_prompt',
        'num_inference_steps',
        'prompt',
        'seed',
      ].sort(),
    )
    expect(body).toMatchObject({
      model: 'Qwen/Qwen-Image-Edit-2509',
      prompt: 'the woman from image 1 in the dress from image 2',
      negative_prompt: 'blurry',
      num_inference_steps: 20,
      seed: 11,
    })
    expect(fromDataUri(body!.image)).toEqual({ type: 'image/png', bytes: png })
    expect(fromDataUri(body!.image2)).toEqual({ type: 'image/jpeg', bytes: jpeg })
    expect(fromDataUri(body!.image3)).toEqual({ type: 'image/png', bytes: png })
    expect(result).toMatchObject({ model: 'qwen-image-edit-2509', provider: 'siliconflow' })
    // The model picks the size (its input's), so none was asked or warned about.
    expect(result.images[0]).toMatchObject({ width: 64, height: 48 })
    expect(result.warnings).toEqual([])
    expect(result.images[0]!.bytes).toEqual(fake.served[0])
  })

  it('runs an edit naming no model on Qwen-Image-Edit, the first SiliconFlow model that edits', async () => {
    const { fake, generate } = await setup()
    const result = await generate({ images: [{ bytes: jpeg }], width: 512, height: 512 })
    expect(result.model).toBe('qwen-image-edit')
    expect(fake.bodies()[0]).not.toHaveProperty('image_size')
    expect(fake.bodies()[0]).not.toHaveProperty('image2')
    expect(result.warnings).toEqual(['this model does not take a size; it chose its own'])
  })

  it('refuses before calling: a second image for Qwen-Image-Edit, a mask, no image', async () => {
    const { fake, generate } = await setup()
    const two = await rejection(
      generate({ model: 'qwen-image-edit', images: [{ bytes: png }, { bytes: png }] }),
    )
    expect(two).toMatchObject({ status: 400, code: 'too_many_images', param: 'image' })
    const masked = await rejection(
      generate({ model: 'qwen-image-edit-2509', images: [{ bytes: png }], mask: { bytes: png } }),
    )
    expect(masked).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'mask' })
    expect(errorHeaders(masked)['x-should-retry']).toBe('false')
    const bare = await rejection(generate({ model: 'qwen-image-edit' }))
    expect(bare).toMatchObject({ status: 400, code: 'image_required', param: 'image' })
    const flux = await rejection(generate({ model: 'flux-schnell', images: [{ bytes: png }] }))
    expect(flux).toMatchObject({ status: 400, code: 'unsupported_parameter' })
    expect(fake.bodies()).toEqual([])
  })

  it('passes a moderation refusal of an edit on as a 400 that is not retried', async () => {
    const { generate } = await setup('refused')
    const error = await rejection(
      generate({ model: 'qwen-image-edit', images: [{ bytes: png }], prompt: 'something' }),
    )
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation' })
    expect(errorHeaders(error)['x-should-retry']).toBe('false')
  })
})
