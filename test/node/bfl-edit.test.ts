import { describe, expect, it } from 'vitest'
import { decodePng } from '../../src/image/mask.ts'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection } from '../contracts/provider.ts'
import { startFakeBfl } from '../fakes/bfl.ts'
import { base64Of } from '../fakes/input-images.ts'

/**
 * Edits through the bfl provider against its fake: Kontext and FLUX.2 take `input_image`,
 * `input_image_2`... as base64, Kontext keeps its input's ratio unless another size is asked,
 * Fill takes `image` and a black-and-white `mask`, and what a model cannot take is refused
 * before BFL is called.
 */

const track = closedAfterEach()
const photo = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(120))
const others = await Promise.all(
  [1, 2, 3, 4].map((shade) => encodePng(20, 20, new Uint8Array(20 * 20 * 3).fill(shade))),
)

async function setup() {
  const fake = track(await startFakeBfl())
  const options = { pollIntervalMs: 10 }
  return { fake, ...gatewayFor([{ type: 'bfl', keys: ['good'], baseUrl: fake.url, options }]) }
}

describe('bfl edits', () => {
  it('sends a Kontext edit as base64 input_image, keeping the input ratio by sending none', async () => {
    const { fake, generate } = await setup()
    const result = await generate({
      model: 'flux-kontext-pro',
      images: [{ bytes: photo }],
      seed: 7,
    })
    expect(fake.submissions()).toEqual([
      {
        endpoint: 'flux-kontext-pro',
        body: {
          prompt: 'a red fox in fresh snow',
          input_image: base64Of(photo),
          seed: 7,
          safety_tolerance: 2,
          output_format: 'jpeg',
        },
      },
    ])
    expect(result.images[0]).toMatchObject({ width: 40, height: 30 })
    await generate({
      model: 'flux-kontext-max',
      images: [{ bytes: photo }],
      width: 1600,
      height: 900,
    })
    expect(fake.submissions()[1]?.body).toMatchObject({ aspect_ratio: '16:9' })
    expect(fake.submissions()[1]?.body).not.toHaveProperty('width')
  })

  it('sends FLUX.2 references as input_image, input_image_2... at the first image shape', async () => {
    const { fake, generate } = await setup()
    const images = [photo, ...others.slice(0, 2)].map((bytes) => ({ bytes }))
    await generate({ model: 'flux-2-pro', images })
    const [submission] = fake.submissions()
    expect(submission?.endpoint).toBe('flux-2-pro')
    expect(submission?.body).toMatchObject({
      input_image: base64Of(photo),
      input_image_2: base64Of(others[0]!),
      input_image_3: base64Of(others[1]!),
      width: 1184,
      height: 880,
    })
    expect(submission?.body).not.toHaveProperty('input_image_4')
  })

  it('sends Fill the image and a black-and-white mask, white where the mask was transparent', async () => {
    const { fake, generate } = await setup()
    // Left half transparent (repaint), right half opaque (keep).
    const rgba = new Uint8Array(40 * 30 * 4)
    for (let i = 0; i < 40 * 30; i++) rgba[i * 4 + 3] = i % 40 < 20 ? 0 : 255
    const mask = await encodePng(40, 30, rgba, 4)
    const result = await generate({ images: [{ bytes: photo }], mask: { bytes: mask }, seed: 3 })
    expect(result.model).toBe('flux-fill-pro')
    const [submission] = fake.submissions()
    expect(submission?.endpoint).toBe('flux-pro-1.0-fill')
    expect(submission?.body).toMatchObject({ image: base64Of(photo), steps: 50, seed: 3 })
    const sent = await decodePng(
      new Uint8Array(Buffer.from(String(submission?.body.mask), 'base64')),
    )
    expect(sent).toMatchObject({ width: 40, height: 30, channels: 1 })
    expect([sent!.samples[0], sent!.samples[19], sent!.samples[20], sent!.samples[39]]).toEqual([
      255, 255, 0, 0,
    ])
  })

  it('refuses, before calling BFL, a mask of another size, a mask for Kontext and too many images', async () => {
    const { fake, generate } = await setup()
    const small = await encodePng(20, 20, new Uint8Array(20 * 20 * 4), 4)
    const mismatch = await rejection(
      generate({ model: 'flux-fill-pro', images: [{ bytes: photo }], mask: { bytes: small } }),
    )
    expect(mismatch).toMatchObject({ status: 400, code: 'invalid_image', param: 'mask' })
    expect(mismatch.message).toBe('The mask is 20x20 but the image is 40x30; they must match')
    const masked = await rejection(
      generate({ model: 'flux-kontext-pro', images: [{ bytes: photo }], mask: { bytes: small } }),
    )
    expect(masked).toMatchObject({ status: 400, code: 'unsupported_parameter', retryable: false })
    const many = await rejection(
      generate({ model: 'flux-2-klein', images: [photo, ...others].map((bytes) => ({ bytes })) }),
    )
    expect([many.code, many.message]).toEqual([
      'too_many_images',
      "The model 'flux-2-klein' takes at most 4 input images; got 5",
    ])
    const text = await rejection(generate({ model: 'flux-fill-pro' }))
    expect(text.code).toBe('image_required')
    expect(fake.submissions()).toEqual([])
  })
})
