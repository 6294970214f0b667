import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/config.ts'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection, testPng } from '../contracts/provider.ts'
import { startFakeAutomatic1111 } from '../fakes/automatic1111.ts'

/**
 * Edits on AUTOMATIC1111 / Forge: `POST /sdapi/v1/img2img` with the image as base64 in
 * `init_images`, the entry's denoising strength, and a mask sent as it came, inverted so that its
 * transparent area is the one repainted. Against the fake WebUI, through generateImages.
 */

const track = closedAfterEach()
const png = await testPng(64, 48, 4)
const mask = await encodePng(64, 48, new Uint8Array(64 * 48 * 3))
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

async function setup(extra: Partial<ProviderEntry> = {}) {
  const fake = track(await startFakeAutomatic1111({ auth: 'artist:pass' }))
  const entry = { type: 'automatic1111', keys: ['artist:pass'], baseUrl: fake.url, ...extra }
  return { fake, ...gatewayFor([entry]) }
}

describe('automatic1111 edits', () => {
  it('sends img2img the image as init_images, at its shape, with denoising 0.75', async () => {
    const { fake, generate } = await setup({ models: ['forge'] })
    const result = await generate({ images: [{ bytes: png }], seed: 8, n: 2 })
    expect(fake.bodies()).toEqual([])
    expect(fake.edits()).toEqual([
      {
        prompt: 'a red fox in fresh snow',
        negative_prompt: '',
        // 4:3 at the default area, in the WebUI's multiples of 8.
        width: 1184,
        height: 888,
        steps: 20,
        seed: 8,
        cfg_scale: 7,
        batch_size: 2,
        n_iter: 1,
        init_images: [base64(png)],
        denoising_strength: 0.75,
      },
    ])
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(result.images[0]).toMatchObject({ width: 1184, height: 888 })
    expect(result.seed).toBe(8)
  })

  it("sends the mask as it came, inverted, and the entry's own denoising strength", async () => {
    const { fake, generate } = await setup({ options: { denoisingStrength: 0.45 } })
    await generate({ images: [{ bytes: png }], mask: { bytes: mask }, width: 512, height: 384 })
    expect(fake.edits()[0]).toMatchObject({
      width: 512,
      height: 384,
      init_images: [base64(png)],
      mask: base64(mask),
      inpainting_mask_invert: 1,
      inpainting_fill: 1,
      denoising_strength: 0.45,
    })
  })

  it('refuses a second image before calling, and still draws from text with txt2img', async () => {
    const { fake, generate } = await setup()
    const error = await rejection(generate({ images: [{ bytes: png }, { bytes: png }] }))
    expect(error).toMatchObject({ status: 400, code: 'too_many_images', param: 'image' })
    expect(fake.requests).toHaveLength(0)
    await generate({ width: 256, height: 256 })
    expect(fake.bodies()).toHaveLength(1)
    expect(fake.bodies()[0]).not.toHaveProperty('init_images')
    expect(fake.edits()).toEqual([])
  })

  it('stops at start-up on a denoising strength outside 0-1', () => {
    expect(() =>
      gatewayFor([
        { type: 'automatic1111', baseUrl: 'http://127.0.0.1:1', options: { denoisingStrength: 2 } },
      ]),
    ).toThrow(/options\.denoisingStrength/)
  })
})
