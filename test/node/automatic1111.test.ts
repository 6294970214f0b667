import { afterEach, describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/config.ts'
import { describeProviderContract, gatewayFor, rejection } from '../contracts/provider.ts'
import { type FakeAutomatic1111, startFakeAutomatic1111 } from '../fakes/automatic1111.ts'

/** The automatic1111 provider (also Forge, stable-diffusion.cpp) against a fake WebUI API. */

const entryFor = (fake: FakeAutomatic1111, extra: Partial<ProviderEntry> = {}): ProviderEntry => ({
  type: 'automatic1111',
  keys: [],
  baseUrl: fake.url,
  priority: 0,
  weight: 1,
  options: {},
  ...extra,
})

describeProviderContract(
  'automatic1111',
  async ({ slowMs }) => {
    const fake = await startFakeAutomatic1111({ auth: 'artist:s3cret-pass', slowMs })
    return {
      entry: entryFor(fake, { keys: ['artist:s3cret-pass'] }),
      fake: {
        mode(mode) {
          if (mode === 'refused') throw new Error('a WebUI never refuses a prompt')
          fake.mode(mode)
        },
        calls: () => fake.bodies().length,
        served: () => fake.served,
        disconnects: fake.disconnects,
        close: fake.close,
      },
    }
  },
  { refused: 'a local WebUI has no content moderation, hence no refusal to map' },
)

const fakes: FakeAutomatic1111[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
})

async function setup(extra: Partial<ProviderEntry> = {}, auth?: string) {
  const fake = await startFakeAutomatic1111({ auth })
  fakes.push(fake)
  return { fake, ...gatewayFor([entryFor(fake, extra)]) }
}

describe('automatic1111 provider', () => {
  it('sends the txt2img body, keyless, and reports the seed from info', async () => {
    const { fake, generate } = await setup({ models: ['flux1-dev-fp8', 'forge'] })
    const result = await generate({ model: 'forge', width: 500, height: 300, n: 2, seed: 77 })
    expect(fake.requests[0]!.headers.authorization).toBeUndefined()
    expect(fake.bodies()).toEqual([
      {
        prompt: 'a red fox in fresh snow',
        negative_prompt: '',
        width: 504,
        height: 304,
        steps: 20,
        seed: 77,
        cfg_scale: 7,
        batch_size: 2,
        n_iter: 1,
      },
    ])
    expect(result).toMatchObject({ provider: 'automatic1111', upstreamModel: 'flux1-dev-fp8' })
    expect(result.seed).toBe(77)
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(result.images[0]).toMatchObject({ width: 504, height: 304 })
  })

  it('takes steps, cfg_scale and sampler from options, and the negative prompt', async () => {
    const { fake, generate, catalogue } = await setup({
      options: { steps: 4, cfgScale: 1, sampler: 'Euler' },
    })
    expect(catalogue.publicIds).toEqual(['automatic1111'])
    await generate({ negativePrompt: 'blurry' })
    expect(fake.bodies()[0]).toMatchObject({
      steps: 4,
      cfg_scale: 1,
      sampler_name: 'Euler',
      negative_prompt: 'blurry',
      width: 1024,
    })
  })

  it('sends seed -1 when a call has none, and reports the seed the WebUI drew', async () => {
    const { fake, catalogue, generate } = await setup()
    const [target] = catalogue.targets
    const result = await target!.provider.generate(
      { prompt: 'a fox', n: 1, width: 64, height: 64 },
      {
        model: target!.provider.models[0]!,
        key: null,
        signal: new AbortController().signal,
        fetch: globalThis.fetch,
      },
    )
    expect(fake.bodies()[0]).toMatchObject({ seed: -1 })
    expect(result.seed).toBe(1234567) // from info; the fake's stand-in for a random draw
    // stable-diffusion.cpp answers `info: ""`: the seed sent is the seed used.
    fake.mode('sdcpp')
    expect((await generate({ width: 64, height: 64, seed: 3 })).seed).toBe(3)
  })

  it('drops the grid image a WebUI returns first for a batch', async () => {
    const { fake, generate } = await setup()
    fake.mode('grid')
    const result = await generate({ width: 64, height: 64, n: 3 })
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(result.images.every((image) => image.width === 64)).toBe(true)
  })

  it('sends user:password as Basic auth and any other key as a bearer token', async () => {
    const basic = await setup({ keys: ['artist:pass'] }, 'artist:pass')
    await basic.generate({ width: 64, height: 64 })
    expect(basic.fake.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('artist:pass').toString('base64')}`,
    )
    const bearer = await setup({ keys: ['proxy-token'] })
    await bearer.generate({ width: 64, height: 64 })
    expect(bearer.fake.requests[0]!.headers.authorization).toBe('Bearer proxy-token')
  })

  it.each([
    ['no-api', 502, /no \/sdapi\/v1\/txt2img there \(HTTP 404\).*; start the WebUI with --api/],
    ['server-error', 502, /failed \(HTTP 500\): CUDA out of memory/],
    ['unauthorized', 502, /wants credentials \(--api-auth\)/],
  ] as const)('maps %s to %i with a message saying why', async (mode, status, why) => {
    const { fake, generate } = await setup()
    fake.mode(mode)
    const error = await rejection(generate({ width: 64, height: 64 }))
    expect(error.status).toBe(status)
    expect(error.message).toMatch(why)
  })

  it('rejects bad options at start-up, naming them', () => {
    expect(() =>
      gatewayFor([
        { type: 'automatic1111', keys: [], priority: 0, weight: 1, options: { steps: 0 } },
      ]),
    ).toThrow(/PROVIDERS: automatic1111 entry: options\.steps: /)
  })
})
