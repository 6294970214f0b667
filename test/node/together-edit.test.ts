import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection } from '../contracts/provider.ts'
import { pngDataUri } from '../fakes/input-images.ts'
import { startFakeTogether } from '../fakes/together.ts'

/**
 * Edits through the together provider against its fake: Kontext reads one `image_url`, FLUX.2
 * reads `reference_images`, both in the same generation call and as data URIs; what a model
 * cannot take is refused before Together is called.
 */

const track = closedAfterEach()
const photo = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(33))
const tile = await encodePng(16, 16, new Uint8Array(16 * 16 * 3).fill(99))

async function setup() {
  const fake = track(await startFakeTogether())
  const entry = { type: 'together', keys: ['tgp_v1_good-key-000'], baseUrl: fake.baseUrl }
  return { fake, ...gatewayFor([entry]) }
}

describe('together edits', () => {
  it('sends Kontext one image_url, sized to the image shape', async () => {
    const { fake, generate } = await setup()
    const result = await generate({
      model: 'flux-kontext-pro',
      images: [{ bytes: photo }],
      seed: 1,
    })
    expect(fake.bodies()).toEqual([
      {
        model: 'black-forest-labs/FLUX.1-kontext-pro',
        prompt: 'a red fox in fresh snow',
        n: 1,
        response_format: 'base64',
        width: 1184,
        height: 880,
        seed: 1,
        image_url: pngDataUri(photo),
      },
    ])
    expect(result).toMatchObject({ model: 'flux-kontext-pro', provider: 'together' })
  })

  it('sends FLUX.2 reference_images, and text alone without them', async () => {
    const { fake, generate } = await setup()
    await generate({ model: 'flux-2-dev', images: [{ bytes: photo }, { bytes: tile }] })
    await generate({ model: 'flux-2-pro' })
    const [edit, text] = fake.bodies()
    expect(edit).toMatchObject({
      model: 'black-forest-labs/FLUX.2-dev',
      reference_images: [pngDataUri(photo), pngDataUri(tile)],
      steps: 28,
    })
    expect(edit).not.toHaveProperty('image_url')
    expect(text).toMatchObject({ model: 'black-forest-labs/FLUX.2-pro' })
    expect(text).not.toHaveProperty('reference_images')
  })

  it('refuses, before calling Together, a mask, too many images and images for schnell', async () => {
    const { fake, generate } = await setup()
    const masked = await rejection(
      generate({ model: 'flux-2-pro', images: [{ bytes: photo }], mask: { bytes: photo } }),
    )
    expect([masked.status, masked.code, masked.param]).toEqual([
      400,
      'unsupported_parameter',
      'mask',
    ])
    const five = Array.from({ length: 5 }, () => ({ bytes: tile }))
    const many = await rejection(generate({ model: 'flux-2-dev', images: five }))
    expect(many.message).toBe("The model 'flux-2-dev' takes at most 4 input images; got 5")
    const schnell = await rejection(generate({ model: 'flux-schnell', images: [{ bytes: tile }] }))
    expect(schnell.code).toBe('unsupported_parameter')
    expect(fake.bodies()).toEqual([])
  })
})
