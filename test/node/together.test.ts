import { afterEach, describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/config.ts'
import { modalContractFake } from '../contracts/modal-fake.ts'
import { describeProviderContract, gatewayFor, rejection } from '../contracts/provider.ts'
import { type FakeTogether, startFakeTogether } from '../fakes/together.ts'

/** The together provider against a fake Together AI on 127.0.0.1. */

const KEY = 'tgp_v1_good-key-000'

const entryFor = (fake: FakeTogether, extra: Partial<ProviderEntry> = {}): ProviderEntry => ({
  type: 'together',
  keys: [KEY],
  baseUrl: fake.baseUrl,
  priority: 0,
  weight: 1,
  options: {},
  ...extra,
})

describeProviderContract('together', async ({ slowMs }) => {
  const fake = await startFakeTogether({ slowMs })
  return {
    entry: entryFor(fake),
    fake: modalContractFake(fake),
  }
})

const fakes: FakeTogether[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
})

async function setup(extra: Partial<ProviderEntry> = {}) {
  const fake = await startFakeTogether()
  fakes.push(fake)
  return { fake, ...gatewayFor([entryFor(fake, extra)]) }
}

describe('together provider', () => {
  it('sends the documented body with a bearer key and asks for base64', async () => {
    const { fake, generate } = await setup()
    const result = await generate({ width: 1000, height: 600, seed: 9, steps: 6, n: 2 })
    expect(fake.bodies()).toEqual([
      {
        model: 'black-forest-labs/FLUX.1-schnell',
        prompt: 'a red fox in fresh snow',
        n: 2,
        response_format: 'base64',
        width: 1008,
        height: 608,
        steps: 6,
        seed: 9,
      },
    ])
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(result).toMatchObject({ model: 'flux-schnell', provider: 'together', seed: 9 })
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(result.images[0]).toMatchObject({ contentType: 'image/png', width: 1008, height: 608 })
  })

  it('routes public ids to their models, with their own limits', async () => {
    const { fake, generate, catalogue } = await setup()
    expect(catalogue.publicIds).toEqual([
      'flux-schnell',
      'flux-schnell-free',
      'flux-dev',
      'flux-pro-1.1',
      'flux-kontext-pro',
      'flux-kontext-max',
      'flux-2-pro',
      'flux-2-flex',
      'flux-2-dev',
    ])
    await generate({ model: 'flux-pro-1.1', width: 1000, height: 600, steps: 30, n: 2 })
    const [body] = fake.bodies()
    // BFL's multiple of 32, no steps, and one image per call: two calls for n=2.
    expect(body).toMatchObject({ model: 'black-forest-labs/FLUX.1.1-pro', n: 1, width: 992 })
    expect(body).not.toHaveProperty('steps')
    expect(fake.bodies()).toHaveLength(2)
    await generate({ model: 'flux-schnell-free', steps: 8 })
    expect(fake.bodies()[2]).toMatchObject({
      model: 'black-forest-labs/FLUX.1-schnell-Free',
      steps: 4,
    })
  })

  it('serves configured ids, canonical for known models, as written with a negative prompt for others', async () => {
    const { fake, generate, catalogue } = await setup({
      models: ['flux-dev', 'stabilityai/stable-diffusion-xl-base-1.0'],
    })
    expect(catalogue.publicIds).toEqual(['flux-dev', 'stabilityai/stable-diffusion-xl-base-1.0'])
    await generate({
      model: 'together/stabilityai/stable-diffusion-xl-base-1.0',
      negativePrompt: 'blur',
    })
    expect(fake.bodies()[0]).toMatchObject({
      model: 'stabilityai/stable-diffusion-xl-base-1.0',
      negative_prompt: 'blur',
    })
  })

  it('downloads image URLs when the reply holds them instead of base64', async () => {
    const { fake, generate } = await setup()
    fake.mode('url')
    const result = await generate({ width: 512, height: 512 })
    expect(fake.requests.some((r) => r.path.startsWith('/files/'))).toBe(true)
    expect(result.images[0]!.bytes).toEqual(fake.served[0])
  })

  it.each([
    ['no-credit', 502, 'no_usable_upstream', /no credit left.*HTTP 402.*Insufficient credits/],
    ['bare-error', 502, 'upstream_failed', /server error \(HTTP 500\): Internal error/],
    [
      'model-missing',
      502,
      'upstream_failed',
      /not served there \(HTTP 404\).*; check the entry's "models"/,
    ],
  ] as const)('maps %s to %i %s with a message saying why', async (mode, status, code, why) => {
    const { fake, generate } = await setup()
    fake.mode(mode)
    const error = await rejection(generate())
    expect(error).toMatchObject({ status, code })
    expect(error.message).toMatch(why)
  })

  it('refuses to start without a key', () => {
    expect(() =>
      gatewayFor([{ type: 'together', keys: [], priority: 0, weight: 1, options: {} }]),
    ).toThrow(/entry 0 \(together\) needs "keys"/)
  })
})
