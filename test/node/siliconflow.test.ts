import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { errorHeaders, type GatewayError } from '../../src/errors.ts'
import { type Gateway, generateImages } from '../../src/generate/index.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { type FakeSiliconflowOptions, startFakeSiliconflow } from '../fakes/siliconflow.ts'

/**
 * The siliconflow provider and the key pool against a fake SiliconFlow on 127.0.0.1, configured
 * the way freefluxapi is (IMAGE_API_KEYS). Generation goes through generateImages, the path every
 * endpoint uses; /v1/status is read from an app sharing the same catalogue.
 */

const fakes: { close(): Promise<void> }[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
})

async function setup(env: Record<string, string>, fakeOptions: FakeSiliconflowOptions = {}) {
  const fake = await startFakeSiliconflow(fakeOptions)
  fakes.push(fake)
  const config = loadConfig({ STORAGE: 'memory', SILICONFLOW_API_BASE: fake.baseUrl, ...env })
  const catalogue = new Catalogue(buildProviders(config, {}), config.defaultModel)
  const storage = memoryStorage()
  const gateway: Gateway = { config, storage, catalogue, fetch: globalThis.fetch, now: Date.now }
  const app = createApp({ config, storage, catalogue, log: () => {} })
  const generate = (extra: Partial<Parameters<typeof generateImages>[1]> = {}) =>
    generateImages(gateway, {
      prompt: 'a red fox',
      n: 1,
      signal: new AbortController().signal,
      ...extra,
    })
  const status = async () => (await app.request('/v1/status')).json()
  return { fake, catalogue, storage, generate, status }
}

/** Ties every key's shuffle draw, so the stable sort keeps the configured key order. */
const configuredOrder = () => vi.spyOn(Math, 'random').mockReturnValue(0.5)

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the generation to fail')
    },
    (error: GatewayError) => error,
  )

describe('siliconflow provider', () => {
  it('sends the documented request and stores the downloaded bytes, not the URL', async () => {
    const { fake, storage, generate } = await setup({ IMAGE_API_KEYS: 'good' })
    const result = await generate({ width: 512, height: 512, seed: 7 })

    expect(fake.bodies()).toEqual([
      {
        model: 'black-forest-labs/FLUX.1-schnell',
        prompt: 'a red fox',
        image_size: '512x512',
        seed: 7,
        num_inference_steps: 4,
      },
    ])
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer good')
    expect(result).toMatchObject({ model: 'flux-schnell', provider: 'siliconflow', seed: 7 })
    const [image] = result.images
    expect(image).toMatchObject({ contentType: 'image/png', width: 512, height: 512 })
    expect(fake.served).toHaveLength(1)
    expect(image!.bytes).toEqual(fake.served[0])
    const stored = await storage.get(image!.key!)
    expect(stored?.body).toEqual(fake.served[0])
    // The image host never saw the key: only the API call carries it.
    const download = fake.requests.find((r) => r.path.startsWith('/files/'))
    expect(download?.headers.authorization).toBeUndefined()
  })

  it('serves the model under its public ids and drops a negative prompt FLUX ignores', async () => {
    const { fake, generate } = await setup({ SILICONFLOW_API_KEYS: 'good' })
    const result = await generate({ model: 'flux-1-schnell', negativePrompt: 'text' })
    expect(result.warnings).toContain('this model does not take a negative prompt')
    expect(fake.bodies()[0]).not.toHaveProperty('negative_prompt')
    expect(fake.bodies()[0]).toMatchObject({ image_size: '1024x1024' })
  })

  it('fails over bad, limited, good; cools limited down and disables bad', async () => {
    configuredOrder()
    const { fake, generate, status } = await setup({ IMAGE_API_KEYS: 'bad,limited,good' })
    const first = await generate()
    expect(first.attempts).toBe(3)
    for (let i = 0; i < 3; i++) expect((await generate()).attempts).toBe(1)

    expect(fake.callsFor('bad')).toBe(1)
    expect(fake.callsFor('limited')).toBe(1) // Retry-After: 60 has not passed
    expect(fake.callsFor('good')).toBe(4)
    const body = await status()
    expect(body.providers[0].targets).toMatchObject([
      { id: 'siliconflow#1', key: '***', state: 'disabled', retryInSeconds: null },
      { id: 'siliconflow#2', key: '***', state: 'cooling' },
      { id: 'siliconflow#3', key: '***', state: 'ready', counters: { successes: 4 } },
    ])
    expect(body.providers[0].targets[0].disabledReason).toMatch(/API key was rejected \(HTTP 401\)/)
    expect(body.providers[0].targets[1].retryInSeconds).toBeGreaterThan(55)
    expect(body.providers[0].targets[1].retryInSeconds).toBeLessThanOrEqual(60)
    expect(body.providers[0].targets[1].lastError).toMatch(/HTTP 429.*IPM limit reached/)
  })

  it('answers 503 with the earliest Retry-After when every key is rate limited', async () => {
    const { fake, generate } = await setup(
      { IMAGE_API_KEYS: 'limited,bare' },
      { keys: { bare: 'rate-limited-bare' }, retryAfterSeconds: 30 },
    )
    const started = Date.now()
    const error = await rejection(generate())
    expect(Date.now() - started).toBeLessThan(5_000) // at once, far inside REQUEST_TIMEOUT
    expect(error).toMatchObject({ status: 503, code: 'all_targets_cooling_down', retryAfter: 10 })
    expect(errorHeaders(error)['Retry-After']).toBe('10')

    const again = await rejection(generate())
    expect(again).toMatchObject({ status: 503 })
    expect(again.retryAfter).toBeLessThanOrEqual(10)
    expect(fake.callsFor('limited') + fake.callsFor('bare')).toBe(2) // nobody was asked twice
  })

  it('disables keys on 403 (real-name verification) and 402, and says so', async () => {
    configuredOrder()
    const { generate, status } = await setup(
      { IMAGE_API_KEYS: 'unverified,broke,good' },
      { keys: { unverified: 'forbidden', broke: 'no-balance' } },
    )
    expect((await generate()).attempts).toBe(3)
    const [unverified, broke] = (await status()).providers[0].targets
    expect(unverified).toMatchObject({ state: 'disabled' })
    expect(unverified.disabledReason).toMatch(/HTTP 403.*real-name verification/)
    expect(broke).toMatchObject({ state: 'disabled' })
    expect(broke.disabledReason).toMatch(/insufficient account balance \(HTTP 402\)/)
  })

  it('answers 502, not to be retried, when every key is rejected', async () => {
    const { generate } = await setup(
      { IMAGE_API_KEYS: 'bad,worse' },
      { keys: { worse: 'forbidden' } },
    )
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 502, code: 'no_usable_upstream', retryable: false })
    expect(errorHeaders(error)['x-should-retry']).toBe('false')
  })

  it('does not retry a refused prompt or a rejected request on other keys', async () => {
    configuredOrder()
    const { fake, generate } = await setup(
      { IMAGE_API_KEYS: 'prude,picky,good' },
      { keys: { prude: 'refused', picky: 'bad-request' } },
    )
    const refused = await rejection(generate())
    expect(refused).toMatchObject({
      status: 400,
      code: 'content_policy_violation',
      retryable: false,
    })
    expect(refused.message).toMatch(/sensitive content/)
    expect(fake.callsFor('picky') + fake.callsFor('good')).toBe(0)
  })

  it('fails over to the next key when one is slow past UPSTREAM_TIMEOUT', async () => {
    configuredOrder()
    const { fake, generate, catalogue } = await setup(
      { IMAGE_API_KEYS: 'slow,good', UPSTREAM_TIMEOUT: '1', REQUEST_TIMEOUT: '10' },
      { slowMs: 3_000 },
    )
    const started = Date.now()
    const result = await generate()
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(Date.now() - started).toBeLessThan(2_900)
    expect(result.attempts).toBe(2)
    expect(fake.callsFor('good')).toBe(1)
    expect(catalogue.targets[0]!.health).toMatchObject({ failureStreak: 1 })
    expect(catalogue.targets[0]!.health.lastError).toMatch(/no answer in time/)
  })

  it('answers 504 at REQUEST_TIMEOUT when every key is slow', async () => {
    const { generate } = await setup(
      { IMAGE_API_KEYS: 'slow', UPSTREAM_TIMEOUT: '1', REQUEST_TIMEOUT: '1' },
      { slowMs: 3_000 },
    )
    const started = Date.now()
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 504 })
    expect(Date.now() - started).toBeLessThan(2_500)
  })

  it('trips the circuit after three overloaded answers', async () => {
    const { fake, generate, status } = await setup(
      { IMAGE_API_KEYS: 'busy' },
      { keys: { busy: 'overloaded' } },
    )
    for (let i = 0; i < 3; i++) {
      const error = await rejection(generate())
      expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
      expect(error.message).toMatch(/overloaded \(HTTP 503\)/)
    }
    const fourth = await rejection(generate())
    expect(fourth).toMatchObject({ status: 503, retryAfter: 30 })
    expect(fake.callsFor('busy')).toBe(3)
    expect((await status()).providers[0].targets[0]).toMatchObject({ state: 'open' })
  })
})

describe('siliconflow image URLs', () => {
  it.each([
    ['foreign-url', /private, loopback or link-local address \(localhost\)/],
    ['private-url', /private, loopback or link-local address \(10\.1\.2\.3\)/],
    ['redirect-private', /\(169\.254\.169\.254\)/],
  ] as const)('refuses %s with a server failure that says why', async (behaviour, why) => {
    const { fake, generate } = await setup({ IMAGE_API_KEYS: 'k' }, { keys: { k: behaviour } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
    expect(error.message).toMatch(why)
    expect(fake.served).toHaveLength(0)
  })

  it('follows a redirect that stays on the base host', async () => {
    const { fake, generate } = await setup({ IMAGE_API_KEYS: 'k' }, { keys: { k: 'redirect-ok' } })
    const result = await generate({ width: 256, height: 256 })
    expect(result.images[0]!.bytes).toEqual(fake.served[0])
  })
})

describe('siliconflow configuration', () => {
  it('takes an unknown SILICONFLOW_MODEL with generic capabilities', async () => {
    const { catalogue } = await setup({
      IMAGE_API_KEYS: 'good',
      SILICONFLOW_MODEL: 'stabilityai/stable-diffusion-3-5-large',
    })
    expect(catalogue.publicIds).toEqual(['stabilityai/stable-diffusion-3-5-large'])
    expect(
      catalogue.resolve('siliconflow/stabilityai/stable-diffusion-3-5-large').routes,
    ).toHaveLength(1)
  })

  it('maps a model that does not exist upstream to a server failure naming the setting', async () => {
    const { generate } = await setup({ IMAGE_API_KEYS: 'good', SILICONFLOW_MODEL: 'flux-dev' })
    const error = await rejection(generate())
    expect(error.message).toMatch(
      /model does not exist there \(HTTP 400\).*; check SILICONFLOW_MODEL/,
    )
  })
})
