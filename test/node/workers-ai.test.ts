import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { createApp } from '../../src/app.ts'
import { encodePng } from '../../src/image/png.ts'
import { type FakeWorkersAi, startFakeWorkersAi } from '../fakes/workers-ai.ts'
import { makeJpeg } from '../fakes/workers-ai-image.ts'
import { ACCOUNTS, nextUtcMidnight, oneAccount, workersAiGateway } from './workers-ai-setup.ts'

/**
 * The workers-ai provider end to end through the gateway's one generation path (generateImages,
 * failover pool, sniffing, storage) against a real HTTP fake of the Workers AI REST API, and the
 * stored image read back through `GET /image/{key}`. Failures: workers-ai-errors.test.ts.
 */

const JPEG = makeJpeg(1024, 1024, 300 * 1024)
let fake: FakeWorkersAi
let png: Uint8Array

beforeAll(async () => {
  fake = await startFakeWorkersAi({ accounts: ACCOUNTS, image: JPEG })
  png = await encodePng(64, 48, new Uint8Array(64 * 48 * 3).fill(90))
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.calls.length = 0
  fake.mode = 'ok'
  fake.image = JPEG
  fake.imageType = 'image/jpeg'
})

const setup = (env: Record<string, string>, bindings = {}) => workersAiGateway(fake, env, bindings)

async function storedBytes(app: ReturnType<typeof createApp>, key: string | null) {
  const response = await app.request(`/image/${key}`)
  expect(response.status).toBe(200)
  return {
    type: response.headers.get('content-type'),
    bytes: Buffer.from(await response.arrayBuffer()),
  }
}

describe('workers-ai REST: models and their schemas', () => {
  it('sends flux-1-schnell no size and at most 8 steps, and stores its JPEG byte for byte', async () => {
    const { app, generate } = setup(oneAccount)
    const result = await generate({ width: 1024, height: 576, steps: 20, seed: 42 })
    expect(fake.calls).toHaveLength(1)
    const call = fake.calls[0]!
    expect(call.model).toBe('@cf/black-forest-labs/flux-1-schnell')
    expect(call.accountId).toBe('acc1')
    expect(call.contentType).toBe('application/json')
    expect(call.inputs).toEqual({ prompt: 'a red fox', steps: 8, seed: 42 })
    expect(result.model).toBe('flux-schnell')
    expect(result.warnings.join(' ')).toMatch(/does not take a size/)
    // The size comes from the image itself, not from what was asked.
    expect(result.images[0]).toMatchObject({ contentType: 'image/jpeg', width: 1024, height: 1024 })
    const stored = await storedBytes(app, result.images[0]!.key)
    expect(stored.type).toBe('image/jpeg')
    expect(stored.bytes.equals(JPEG)).toBe(true)
  })

  it('keeps Flux-API-Worker settings: FLUX_NUM_STEPS is the step default, FLUX_MODEL the model', async () => {
    const schnell = setup({ ...oneAccount, FLUX_NUM_STEPS: '6' })
    await schnell.generate()
    expect(fake.calls[0]!.inputs.steps).toBe(6)
    const klein = setup({ ...oneAccount, FLUX_MODEL: '@cf/black-forest-labs/flux-2-klein-4b' })
    expect(klein.catalogue.defaultModel).toBe('flux-2-klein-4b')
    const result = await klein.generate()
    expect(fake.calls[1]!.model).toBe('@cf/black-forest-labs/flux-2-klein-4b')
    expect(result.upstreamModel).toBe('@cf/black-forest-labs/flux-2-klein-4b')
  })

  it('sends klein a real multipart body with the fitted size and no steps', async () => {
    const { app, generate } = setup(oneAccount)
    const result = await generate({
      model: 'flux-2-klein',
      width: 3000,
      height: 1500,
      steps: 9,
      seed: 5,
    })
    const call = fake.calls[0]!
    expect(call.model).toBe('@cf/black-forest-labs/flux-2-klein-4b')
    expect(call.multipart).toBe(true)
    expect(call.contentType).toMatch(/^multipart\/form-data; boundary=/)
    expect(call.inputs).toEqual({ prompt: 'a red fox', width: '1920', height: '960', seed: '5' })
    expect(result.warnings.join(' ')).toMatch(/fixed number of steps/)
    expect((await storedBytes(app, result.images[0]!.key)).bytes.equals(JPEG)).toBe(true)
  })

  it('sends flux-2-dev its steps in the multipart body', async () => {
    const { generate } = setup(oneAccount)
    await generate({ model: 'flux-2-dev', width: 100, height: 100, steps: 30 })
    expect(fake.calls[0]!.inputs).toMatchObject({ width: '256', height: '256', steps: '30' })
  })

  it('stores the raw PNG bytes a binary model (SDXL) replies with', async () => {
    fake.image = png
    fake.imageType = 'image/png'
    const { app, generate } = setup(oneAccount)
    const result = await generate({
      model: 'sdxl',
      negativePrompt: 'text',
      width: 1024,
      height: 576,
    })
    expect(fake.calls[0]!.inputs).toMatchObject({
      negative_prompt: 'text',
      num_steps: 20,
      width: 1024,
      height: 576,
    })
    expect(result.images[0]).toMatchObject({ contentType: 'image/png', width: 64, height: 48 })
    const stored = await storedBytes(app, result.images[0]!.key)
    expect(stored.type).toBe('image/png')
    expect(stored.bytes.equals(png)).toBe(true)
  })

  it('reads phoenix JPEG bytes and lucid-origin base64 alike', async () => {
    const { generate } = setup(oneAccount)
    const phoenix = await generate({ model: 'phoenix-1.0' })
    expect(phoenix.images[0]!.bytes).toHaveLength(JPEG.length)
    const lucid = await generate({ model: 'lucid-origin', width: 1344, height: 768, steps: 12 })
    expect(fake.calls[1]!.inputs).toMatchObject({ width: 1344, height: 768, steps: 12 })
    expect(Buffer.from(lucid.images[0]!.bytes).equals(JPEG)).toBe(true)
  })
})

describe('workers-ai binding next to REST accounts', () => {
  it('tries the binding first and fails over to REST when its daily allocation is spent', async () => {
    const seen: string[] = []
    const ai = {
      async run(model: string) {
        seen.push(model)
        throw new Error(
          'AiError: 3036: You have used up your daily free allocation of 10,000 neurons',
        )
      },
    }
    const { generate, target } = setup(oneAccount, { ai })
    const result = await generate()
    expect(seen).toEqual(['@cf/black-forest-labs/flux-1-schnell'])
    expect(result.provider).toBe('workers-ai')
    const binding = target('workers-ai-binding')
    expect(binding.key).toBeNull()
    expect(Math.abs(binding.health.cooldownUntil - nextUtcMidnight())).toBeLessThan(5_000)
  })
})
