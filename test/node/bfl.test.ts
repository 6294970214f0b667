import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import type { GatewayError } from '../../src/errors.ts'
import { type Gateway, type GenerationInput, generateImages } from '../../src/generate/index.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { type FakeBflOptions, startFakeBfl } from '../fakes/bfl.ts'
import { startGateway } from './gateway.ts'

/**
 * The bfl provider against a fake BFL API on 127.0.0.1: `x-key` submissions, polling the
 * returned `polling_url` from Pending to Ready, moderation statuses as refusals, HTTP errors,
 * and polling that stops with the attempt.
 */

const closers: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((item) => item.close()))
})

async function setup(key: string, fakeOptions: FakeBflOptions = {}) {
  const fake = await startFakeBfl(fakeOptions)
  closers.push(fake)
  const entry = { type: 'bfl', keys: [key], baseUrl: fake.url, options: { pollIntervalMs: 20 } }
  const config = loadConfig({ STORAGE: 'memory', PROVIDERS: JSON.stringify([entry]) })
  const catalogue = new Catalogue(buildProviders(config, {}), config.defaultModel)
  const storage = memoryStorage()
  const gateway: Gateway = { config, storage, catalogue, fetch: globalThis.fetch, now: Date.now }
  const progress: string[] = []
  const generate = (input: Partial<GenerationInput> = {}) =>
    generateImages(gateway, {
      prompt: 'a red fox',
      n: 1,
      signal: new AbortController().signal,
      onProgress: (event) => {
        if (event.type === 'upstream-progress') progress.push(event.message)
      },
      ...input,
    })
  return { fake, catalogue, storage, generate, progress }
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected the generation to fail'),
    (error: GatewayError) => error,
  )

const until = async (check: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('bfl provider', () => {
  it('submits with x-key, polls Pending -> Ready, and stores the downloaded sample', async () => {
    const { fake, storage, generate, progress } = await setup('good')
    const result = await generate({ width: 1000, height: 700, seed: 5 })

    expect(fake.submissions()).toEqual([
      {
        endpoint: 'flux-pro-1.1',
        body: {
          prompt: 'a red fox',
          width: 992,
          height: 704,
          seed: 5,
          safety_tolerance: 2,
          output_format: 'jpeg',
        },
      },
    ])
    expect(fake.polls()).toBe(3)
    const api = fake.requests.filter((r) => r.path.startsWith('/v1/'))
    expect(api.map((r) => r.headers['x-key'])).toEqual(['good', 'good', 'good', 'good'])
    const download = fake.requests.find((r) => r.path.startsWith('/files/'))
    expect(download?.headers['x-key']).toBeUndefined()

    const [image] = result.images
    expect(image).toMatchObject({ contentType: 'image/jpeg', width: 992, height: 704 })
    expect(image!.bytes).toEqual(fake.served[0])
    expect((await storage.get(image!.key!))?.body).toEqual(fake.served[0])
    expect(result).toMatchObject({ provider: 'bfl', model: 'flux-pro-1.1', seed: 5 })
    expect(progress).toEqual([
      'bfl: queued',
      'bfl: generating, 30%',
      'bfl: generating, 60%',
      'bfl: downloading the image',
    ])
  })

  it('sends steps to flux-dev only, and FLUX.2 sizes in multiples of 16', async () => {
    const { fake, generate } = await setup('good')
    await generate({ model: 'flux-dev', width: 512, height: 512 })
    await generate({ model: 'flux-2-klein', width: 1000, height: 700, steps: 10 })
    const [dev, klein] = fake.submissions()
    expect(dev).toMatchObject({ endpoint: 'flux-dev', body: { steps: 28, width: 512 } })
    expect(klein).toMatchObject({ endpoint: 'flux-2-klein-4b', body: { width: 1008, height: 704 } })
    expect(klein!.body).not.toHaveProperty('steps')
  })

  it.each([
    ['request-moderated', /request moderated.*Derivative Works Filter/],
    ['content-moderated', /content moderated/],
  ] as const)('refuses a %s task with 400 and does not retry it', async (behaviour, why) => {
    const { fake, generate } = await setup('k', { keys: { k: behaviour } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation', retryable: false })
    expect(error.message).toMatch(why)
    expect(fake.submissions()).toHaveLength(1)
  })

  it.each([
    ['no-credits', 502, 'no_usable_upstream', /out of credits \(HTTP 402\)/],
    ['unauthorized', 502, 'no_usable_upstream', /key was rejected \(HTTP 403\)/],
    ['rate-limited', 503, 'all_targets_cooling_down', /too many active tasks \(HTTP 429\)/],
    ['server-error', 502, 'upstream_failed', /server error \(HTTP 500\)/],
    ['error', 502, 'upstream_failed', /task ended with "Error": \{"error":"Generation failed"\}/],
    ['not-found', 502, 'upstream_failed', /task ended with "Task not found"/],
    ['malformed', 502, 'upstream_failed', /not the documented JSON/],
  ] as const)('maps %s to %i %s', async (behaviour, status, code, why) => {
    const { catalogue, generate } = await setup('k', { keys: { k: behaviour } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status, code })
    expect(catalogue.targets[0]!.health.lastError).toMatch(why)
  })

  it('stops polling when the client aborts mid-poll', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'stuck' } })
    const controller = new AbortController()
    const pending = rejection(generate({ signal: controller.signal }))
    await until(() => fake.polls() >= 2)
    controller.abort()
    expect(await pending).toMatchObject({ status: 499 })
    const polls = fake.polls()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(fake.polls()).toBe(polls)
  })

  it('never sends the key to a polling URL on another host', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'foreign-poll' } })
    const error = await rejection(generate())
    expect(error.message).toMatch(/refused to send the key to a job URL: .*\(localhost\)/)
    expect(fake.polls()).toBe(0)
  })

  it('answers 504 over HTTP at REQUEST_TIMEOUT', async () => {
    const fake = await startFakeBfl({ keys: { k: 'stuck' } })
    closers.push(fake)
    const entry = { type: 'bfl', keys: ['k'], baseUrl: fake.url, options: { pollIntervalMs: 50 } }
    const gateway = await startGateway({
      PROVIDERS: JSON.stringify([entry]),
      REQUEST_TIMEOUT: '1',
      UPSTREAM_TIMEOUT: '1',
    })
    closers.push(gateway)
    const started = Date.now()
    const response = await fetch(`${gateway.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a slow fox' }),
    })
    expect(response.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(2_500)
    const polls = fake.polls()
    expect(polls).toBeGreaterThan(3)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(fake.polls()).toBe(polls)
  })
})
