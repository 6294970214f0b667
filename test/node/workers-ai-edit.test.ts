import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { errorHeaders } from '../../src/errors.ts'
import { encodePng } from '../../src/image/png.ts'
import { rejection } from '../contracts/provider.ts'
import { type FakeWorkersAi, startFakeWorkersAi } from '../fakes/workers-ai.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'
import { ACCOUNTS, oneAccount, workersAiGateway } from './workers-ai-setup.ts'

/**
 * Edits on Workers AI over REST: FLUX.2's reference images go in the same multipart form as its
 * prompt, as the binary files `input_image_0` to `input_image_3`; what FLUX.2 here cannot take
 * (a fifth image, a mask) is refused before the fake is called.
 */

const RESULT = makeJpeg(1184, 880, 20_000)
let fake: FakeWorkersAi
let png: Uint8Array
const jpeg = makeJpeg(300, 200, 5_000)

beforeAll(async () => {
  fake = await startFakeWorkersAi({ accounts: ACCOUNTS, image: RESULT })
  png = await encodePng(64, 48, new Uint8Array(64 * 48 * 3).fill(90))
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.calls.length = 0
  fake.mode = 'ok'
})

const setup = () => workersAiGateway(fake, oneAccount)

describe('workers-ai edits over REST', () => {
  it('sends the images as input_image_0 and _1 files beside the prompt, byte for byte', async () => {
    const { generate } = setup()
    const result = await generate({
      model: 'flux-2-klein-4b',
      prompt: 'put the cat on the sofa',
      images: [{ bytes: png }, { bytes: jpeg }],
      seed: 5,
    })
    expect(fake.calls).toHaveLength(1)
    const [call] = fake.calls
    expect(call!.model).toBe('@cf/black-forest-labs/flux-2-klein-4b')
    expect(call!.contentType).toMatch(/^multipart\/form-data; boundary=/)
    // The first image's 4:3 shape at the default area, in multiples of 16.
    expect(call!.inputs).toEqual({
      prompt: 'put the cat on the sofa',
      width: '1184',
      height: '880',
      seed: '5',
    })
    expect(Object.keys(call!.files)).toEqual(['input_image_0', 'input_image_1'])
    expect(call!.files.input_image_0).toEqual({
      name: 'image-0.png',
      type: 'image/png',
      bytes: png,
    })
    expect(call!.files.input_image_1).toEqual({
      name: 'image-1.jpg',
      type: 'image/jpeg',
      bytes: jpeg,
    })
    expect(result.images[0]!.bytes).toEqual(RESULT)
    expect(result.model).toBe('flux-2-klein-4b')
  })

  it('runs an edit that names no model on the first listed model that edits', async () => {
    const { generate } = setup()
    const result = await generate({ images: [{ bytes: png }] })
    // flux-schnell (the default) draws from text only; FLUX.2 [klein] 4B is the next listed.
    expect(result.model).toBe('flux-2-klein-4b')
    expect(fake.calls[0]!.model).toBe('@cf/black-forest-labs/flux-2-klein-4b')
    expect(Object.keys(fake.calls[0]!.files)).toEqual(['input_image_0'])
  })

  it('sends flux-2-dev its steps with four images, its most', async () => {
    const { generate } = setup()
    await generate({ model: 'flux-2-dev', images: Array(4).fill({ bytes: png }), steps: 12 })
    const [call] = fake.calls
    expect(call!.inputs).toMatchObject({ steps: '12' })
    expect(Object.keys(call!.files)).toEqual([
      'input_image_0',
      'input_image_1',
      'input_image_2',
      'input_image_3',
    ])
  })

  it('refuses a fifth image and a mask with a 400 before Workers AI is called', async () => {
    const { generate } = setup()
    const many = await rejection(
      generate({ model: 'flux-2-klein-9b', images: Array(5).fill({ bytes: png }) }),
    )
    expect(many).toMatchObject({ status: 400, code: 'too_many_images', param: 'image' })
    expect(many.message).toContain('at most 4 input images; got 5')

    const masked = await rejection(
      generate({ model: 'flux-2-dev', images: [{ bytes: png }], mask: { bytes: png } }),
    )
    expect(masked).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'mask' })
    expect(errorHeaders(masked)['x-should-retry']).toBe('false')

    const textOnly = await rejection(generate({ model: 'sdxl', images: [{ bytes: png }] }))
    expect(textOnly).toMatchObject({ status: 400, code: 'unsupported_parameter' })
    expect(fake.calls).toHaveLength(0)
  })

  it('still draws from a prompt alone on FLUX.2, with no file in the form', async () => {
    const { generate } = setup()
    await generate({ model: 'flux-2-klein-4b', width: 512, height: 512, seed: 3 })
    expect(fake.calls[0]!.files).toEqual({})
    expect(fake.calls[0]!.inputs).toEqual({
      prompt: 'a red fox',
      width: '512',
      height: '512',
      seed: '3',
    })
  })
})
