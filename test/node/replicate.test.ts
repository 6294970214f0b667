import { describe, expect, it } from 'vitest'
import {
  abortMidPoll,
  closedAfterEach,
  gatewayFor,
  rejection,
  timeoutOverHttp,
} from '../contracts/provider.ts'
import { type FakeReplicateOptions, startFakeReplicate } from '../fakes/replicate.ts'

/**
 * The replicate provider against a fake Replicate on 127.0.0.1: `Prefer: wait`, aspect ratios
 * instead of sizes, polling `urls.get` through starting -> processing -> succeeded, refusals,
 * throttling, and cancellation of a prediction left behind.
 */

const track = closedAfterEach()

async function setup(key: string, fakeOptions: FakeReplicateOptions = {}, models?: string[]) {
  const fake = track(await startFakeReplicate(fakeOptions))
  const options = { pollIntervalMs: 20 }
  return {
    fake,
    ...gatewayFor([{ type: 'replicate', keys: [key], baseUrl: fake.baseUrl, models, options }]),
  }
}

describe('replicate provider', () => {
  it('creates with Prefer: wait and an aspect ratio, polls to succeeded, stores the bytes', async () => {
    const { fake, storage, generate, progress } = await setup('good')
    const result = await generate({ width: 1024, height: 576, seed: 11 })

    expect(fake.bodies()).toEqual([
      {
        input: {
          prompt: 'a red fox in fresh snow',
          aspect_ratio: '16:9',
          num_inference_steps: 4,
          seed: 11,
          num_outputs: 1,
          output_format: 'jpg',
          disable_safety_checker: false,
        },
      },
    ])
    const [create] = fake.requests
    expect(create).toMatchObject({
      method: 'POST',
      path: '/v1/models/black-forest-labs/flux-schnell/predictions',
    })
    expect(create!.headers).toMatchObject({ authorization: 'Bearer good', prefer: 'wait' })
    expect(fake.polls()).toBe(2)
    expect(
      fake.requests.filter((r) => r.path.startsWith('/v1/')).map((r) => r.headers.authorization),
    ).toEqual(['Bearer good', 'Bearer good', 'Bearer good'])
    expect(
      fake.requests.find((r) => r.path.startsWith('/files/'))?.headers.authorization,
    ).toBeUndefined()

    // The real size is read from the image: Replicate's 16:9 at 1 MP, not the 1024x576 asked.
    const [image] = result.images
    expect(image).toMatchObject({ contentType: 'image/jpeg', width: 1360, height: 768 })
    expect(image!.bytes).toEqual(fake.served[0])
    expect((await storage.get(image!.key!))?.body).toEqual(fake.served[0])
    expect(result.seed).toBe(11)
    expect(progress).toEqual([
      'replicate: starting (queued or booting)',
      'replicate: generating',
      'replicate: downloading the image',
    ])
    expect(fake.cancels()).toBe(0)
  })

  it('maps an odd size to the nearest ratio and says so', async () => {
    const { fake, generate, progress } = await setup('good')
    await generate({ width: 1000, height: 700 })
    expect(fake.bodies()[0]!.input).toMatchObject({ aspect_ratio: '3:2' })
    expect(fake.bodies()[0]!.input).not.toHaveProperty('width')
    expect(progress[0]).toBe('replicate takes aspect ratios only: 1000x700 asked as 3:2')
  })

  it('takes a prediction that succeeded within the wait, and a single-URL output', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'instant' } })
    const result = await generate({ n: 3 })
    expect(fake.polls()).toBe(0)
    expect(fake.bodies()[0]!.input).toMatchObject({ num_outputs: 3 })
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(result.images).toHaveLength(3)

    await generate({ model: 'flux-pro-1.1', steps: 8 })
    const pro = fake.bodies()[1]!.input
    expect(pro).toEqual({
      prompt: 'a red fox in fresh snow',
      aspect_ratio: '1:1',
      seed: expect.any(Number),
      output_format: 'jpg',
      safety_tolerance: 2,
    })
    expect(fake.served).toHaveLength(4)
  })

  it('refuses a prediction that failed on NSFW content, and does not retry it', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'nsfw' } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation', retryable: false })
    expect(error.message).toMatch(/NSFW content/)
    expect(fake.bodies()).toHaveLength(1)
  })

  it.each([
    ['failed', 502, 'upstream_failed', /prediction failed: CUDA out of memory/],
    ['server-error', 502, 'upstream_failed', /server error \(HTTP 500\)/],
    ['malformed', 502, 'upstream_failed', /not the documented JSON/],
    ['unauthorized', 502, 'no_usable_upstream', /token was rejected \(HTTP 401\)/],
    ['no-credit', 502, 'no_usable_upstream', /insufficient credit \(HTTP 402\)/],
    ['throttled', 503, 'all_targets_cooling_down', /throttled \(HTTP 429\).*resets in ~30s/],
  ] as const)('maps %s to %i %s', async (behaviour, status, code, why) => {
    const { catalogue, generate } = await setup('k', { keys: { k: behaviour } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status, code })
    expect(catalogue.targets[0]!.health.lastError).toMatch(why)
    // The throttle message names the wait; it becomes the cooldown.
    if (behaviour === 'throttled') expect(error.retryAfter).toBe(30)
  })

  it('stops polling and cancels the prediction when the client aborts', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'stuck' } })
    expect(await abortMidPoll(generate, fake.polls)).toMatchObject({ status: 499 })
    expect(fake.cancels()).toBe(1)
  })

  it('serves an unknown model id with the common fields only', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'instant' } }, ['someone/flux-fork'])
    await generate({ model: 'replicate/someone/flux-fork', steps: 3 })
    expect(fake.requests[0]!.path).toBe('/v1/models/someone/flux-fork/predictions')
    expect(Object.keys(fake.bodies()[0]!.input).sort()).toEqual([
      'aspect_ratio',
      'output_format',
      'prompt',
      'seed',
    ])
  })

  it('answers 504 over HTTP at REQUEST_TIMEOUT and cancels the prediction', async () => {
    const fake = track(await startFakeReplicate({ keys: { k: 'stuck' } }))
    const options = { pollIntervalMs: 50 }
    const entry = { type: 'replicate', keys: ['k'], baseUrl: fake.baseUrl, options }
    expect((await timeoutOverHttp(entry, track)).error.code).toBe('timeout')
    expect(fake.cancels()).toBe(1)
  })
})
