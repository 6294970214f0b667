import { describe, expect, it } from 'vitest'
import { decodePng } from '../../src/image/mask.ts'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection } from '../contracts/provider.ts'
import { pngDataUri } from '../fakes/input-images.ts'
import { startFakeReplicate } from '../fakes/replicate.ts'

/**
 * Edits through the replicate provider against its fake: Kontext takes one `input_image` and
 * keeps its shape with `match_input_image`, FLUX.2 takes `input_images` at a custom size, Fill
 * takes `image` and a black-and-white `mask`, all as data URIs; what a model cannot take is
 * refused before a prediction is created.
 */

const track = closedAfterEach()
const photo = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(200))
const tile = await encodePng(16, 16, new Uint8Array(16 * 16 * 3).fill(9))

async function setup() {
  const fake = track(await startFakeReplicate({ keys: { good: 'instant' } }))
  const entry = { type: 'replicate', keys: ['good'], baseUrl: fake.baseUrl }
  return { fake, ...gatewayFor([{ ...entry, options: { pollIntervalMs: 10 } }]) }
}

describe('replicate edits', () => {
  it('sends Kontext one input_image, asking for the input shape with match_input_image', async () => {
    const { fake, generate } = await setup()
    const result = await generate({
      model: 'flux-kontext-pro',
      images: [{ bytes: photo }],
      seed: 4,
    })
    expect(fake.bodies()).toEqual([
      {
        input: {
          prompt: 'a red fox in fresh snow',
          input_image: pngDataUri(photo),
          aspect_ratio: 'match_input_image',
          seed: 4,
          output_format: 'jpg',
          safety_tolerance: 2,
        },
      },
    ])
    expect(result.images[0]).toMatchObject({ width: 40, height: 30 })
    await generate({
      model: 'flux-kontext-dev',
      images: [{ bytes: photo }],
      width: 1024,
      height: 576,
    })
    expect(fake.bodies()[1]?.input).toMatchObject({
      aspect_ratio: '16:9',
      num_inference_steps: 30,
      disable_safety_checker: false,
    })
  })

  it('sends FLUX.2 references as input_images at a custom size of the first image shape', async () => {
    const { fake, generate } = await setup()
    await generate({ model: 'flux-2-pro', images: [{ bytes: photo }, { bytes: tile }] })
    expect(fake.bodies()[0]?.input).toMatchObject({
      input_images: [pngDataUri(photo), pngDataUri(tile)],
      aspect_ratio: 'custom',
      width: 1184,
      height: 896,
    })
    const flex = Array.from({ length: 10 }, () => ({ bytes: tile }))
    await generate({ model: 'flux-2-flex', images: flex, steps: 12 })
    expect(fake.bodies()[1]?.input).toMatchObject({ steps: 12 })
    expect(fake.bodies()[1]?.input.input_images).toHaveLength(10)
  })

  it('sends Fill the image and a black-and-white mask as data URIs', async () => {
    const { fake, generate } = await setup()
    const rgba = new Uint8Array(40 * 30 * 4).fill(255)
    rgba[3] = 0 // the first pixel is transparent: repaint it
    const mask = await encodePng(40, 30, rgba, 4)
    await generate({ model: 'flux-fill-pro', images: [{ bytes: photo }], mask: { bytes: mask } })
    const { input } = fake.bodies()[0]!
    expect(input).toMatchObject({ image: pngDataUri(photo), steps: 50, safety_tolerance: 2 })
    const sent = String(input.mask).replace('data:image/png;base64,', '')
    const decoded = await decodePng(new Uint8Array(Buffer.from(sent, 'base64')))
    expect([decoded?.channels, decoded?.samples[0], decoded?.samples[1]]).toEqual([1, 255, 0])
  })

  it('refuses, before any prediction, an edit-only model without an image and too many images', async () => {
    const { fake, generate } = await setup()
    const text = await rejection(generate({ model: 'flux-kontext-dev' }))
    expect([text.status, text.code]).toEqual([400, 'image_required'])
    const eleven = Array.from({ length: 11 }, () => ({ bytes: tile }))
    const many = await rejection(generate({ model: 'flux-2-flex', images: eleven }))
    expect(many.message).toBe("The model 'flux-2-flex' takes at most 10 input images; got 11")
    const two = await rejection(
      generate({ model: 'flux-kontext-max', images: [{ bytes: photo }, { bytes: tile }] }),
    )
    expect(two.code).toBe('too_many_images')
    expect(fake.bodies()).toEqual([])
  })
})
