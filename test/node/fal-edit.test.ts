import { describe, expect, it } from 'vitest'
import { decodePng } from '../../src/image/mask.ts'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection } from '../contracts/provider.ts'
import { startFakeFal } from '../fakes/fal.ts'
import { pngDataUri } from '../fakes/input-images.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'

/**
 * Edits through the fal provider against its fake: each call goes to the endpoint its images
 * call for (Kontext's text, single and multi endpoints, FLUX.2's `/edit`, Fill), with images as
 * data URIs; Fill always gets a mask, made from the image's transparency when none is sent.
 */

const track = closedAfterEach()
const photo = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(60))
const tile = await encodePng(16, 16, new Uint8Array(16 * 16 * 3).fill(7))

async function setup() {
  const fake = track(await startFakeFal({ mode: 'sync' }))
  const entry = { type: 'fal', keys: ['good'], baseUrl: fake.url, options: { mode: 'sync' } }
  return { fake, ...gatewayFor([entry]) }
}

/** A 40x30 RGBA PNG, transparent in its top-left pixel only. */
async function transparentCorner(): Promise<Uint8Array> {
  const rgba = new Uint8Array(40 * 30 * 4).fill(255)
  rgba[3] = 0
  return encodePng(40, 30, rgba, 4)
}

const maskGray = async (uri: unknown) => {
  const bytes = Buffer.from(String(uri).replace('data:image/png;base64,', ''), 'base64')
  const decoded = await decodePng(new Uint8Array(bytes))
  return [decoded?.channels, decoded?.samples[0], decoded?.samples[1]]
}

describe('fal edits', () => {
  it('sends Kontext text, one image and several images to their own endpoints', async () => {
    const { fake, generate } = await setup()
    const one = await generate({ model: 'flux-kontext-pro', images: [{ bytes: photo }], seed: 2 })
    await generate({ model: 'flux-kontext-pro', images: [{ bytes: photo }, { bytes: tile }] })
    await generate({ model: 'flux-kontext-max', width: 1024, height: 576 })
    expect(fake.endpoints()).toEqual([
      'fal-ai/flux-pro/kontext',
      'fal-ai/flux-pro/kontext/multi',
      'fal-ai/flux-pro/kontext/max/text-to-image',
    ])
    const [single, multi, text] = fake.bodies()
    expect(single).toEqual({
      prompt: 'a red fox in fresh snow',
      image_url: pngDataUri(photo),
      seed: 2,
      num_images: 1,
      safety_tolerance: '2',
      output_format: 'jpeg',
    })
    expect(one.images[0]).toMatchObject({ width: 40, height: 30 })
    expect(multi?.image_urls).toEqual([pngDataUri(photo), pngDataUri(tile)])
    expect(text).toMatchObject({ aspect_ratio: '16:9' })
    expect(text).not.toHaveProperty('image_url')
  })

  it('sends FLUX.2 edits to /edit with image_urls, and text to the model itself', async () => {
    const { fake, generate } = await setup()
    await generate({ model: 'flux-2-pro', images: [{ bytes: photo }, { bytes: tile }] })
    await generate({ model: 'flux-2-flex', steps: 20 })
    expect(fake.endpoints()).toEqual(['fal-ai/flux-2-pro/edit', 'fal-ai/flux-2-flex'])
    const [edit, text] = fake.bodies()
    expect(edit).toMatchObject({
      image_urls: [pngDataUri(photo), pngDataUri(tile)],
      image_size: { width: 1184, height: 880 },
      enable_safety_checker: true,
      safety_tolerance: '2',
    })
    expect(edit).not.toHaveProperty('num_images')
    expect(text).toMatchObject({ num_inference_steps: 20 })
  })

  it('sends Fill a black-and-white mask_url, made from the image when no mask is sent', async () => {
    const { fake, generate } = await setup()
    const mask = await transparentCorner()
    await generate({ model: 'flux-fill-pro', images: [{ bytes: photo }], mask: { bytes: mask } })
    const corner = await transparentCorner()
    await generate({ model: 'flux-fill-pro', images: [{ bytes: corner }] })
    const [masked, own] = fake.bodies()
    expect(masked).toMatchObject({ image_url: pngDataUri(photo), safety_tolerance: '2' })
    expect(await maskGray(masked?.mask_url)).toEqual([1, 255, 0])
    expect(own?.image_url).toBe(pngDataUri(corner))
    expect(await maskGray(own?.mask_url)).toEqual([1, 255, 0])
  })

  it('refuses, before calling fal, Fill without any mask and more images than Kontext takes', async () => {
    const { fake, generate } = await setup()
    const jpeg = makeJpeg(40, 30, 5)
    const unmasked = await rejection(
      generate({ model: 'flux-fill-pro', images: [{ bytes: jpeg }] }),
    )
    expect(unmasked).toMatchObject({ status: 400, code: 'invalid_image', param: 'mask' })
    const five = Array.from({ length: 5 }, () => ({ bytes: tile }))
    const many = await rejection(generate({ model: 'flux-kontext-max', images: five }))
    expect(many.code).toBe('too_many_images')
    expect(fake.bodies()).toEqual([])
  })
})
