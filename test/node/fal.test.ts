import { describe, expect, it } from 'vitest'
import {
  abortMidPoll,
  closedAfterEach,
  eventually,
  gatewayFor,
  rejection,
  timeoutOverHttp,
} from '../contracts/provider.ts'
import { type FakeFalOptions, startFakeFal } from '../fakes/fal.ts'

/**
 * The fal provider against a fake fal on 127.0.0.1, in queue mode (submit, poll the returned
 * status URL, fetch the result, cancel on the way out) and sync mode, through generateImages.
 */

const track = closedAfterEach()

async function setup(
  key: string,
  fakeOptions: FakeFalOptions = {},
  env: Record<string, string> = {},
) {
  const fake = track(await startFakeFal(fakeOptions))
  const options = { mode: fakeOptions.mode ?? 'queue', pollIntervalMs: 20 }
  return { fake, ...gatewayFor([{ type: 'fal', keys: [key], baseUrl: fake.url, options }], env) }
}

describe('fal queue mode', () => {
  it('submits, follows IN_QUEUE -> IN_PROGRESS -> COMPLETED, and stores the served bytes', async () => {
    const { fake, storage, generate, progress } = await setup('good')
    const result = await generate({ width: 512, height: 512, seed: 7 })

    expect(fake.bodies()).toEqual([
      {
        prompt: 'a red fox in fresh snow',
        image_size: { width: 512, height: 512 },
        num_inference_steps: 4,
        seed: 7,
        num_images: 1,
        enable_safety_checker: true,
        output_format: 'jpeg',
      },
    ])
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/fal-ai/flux/schnell' })
    expect(fake.polls()).toBe(4)
    const api = fake.requests.filter((r) => !r.path.startsWith('/files/'))
    expect(api.map((r) => r.headers.authorization)).toEqual(api.map(() => 'Key good'))
    // The job URLs use owner/alias only, as fal returns them.
    expect(api.at(-1)).toMatchObject({ method: 'GET', path: '/fal-ai/flux/requests/req-1' })
    const download = fake.requests.find((r) => r.path.startsWith('/files/'))
    expect(download?.headers.authorization).toBeUndefined()

    expect(result).toMatchObject({ provider: 'fal', model: 'flux-schnell', seed: 7 })
    const [image] = result.images
    expect(image).toMatchObject({ contentType: 'image/jpeg', width: 512, height: 512 })
    expect(image!.bytes).toEqual(fake.served[0])
    expect((await storage.get(image!.key!))?.body).toEqual(fake.served[0])
    expect(progress).toEqual([
      'fal: queued at position 2',
      'fal: queued at position 1',
      'fal: queued at position 0',
      'fal: generating',
      'fal: downloading the image',
    ])
    expect(fake.cancels()).toBe(0)
  })

  it('asks for n images in one call and sends each model only its own fields', async () => {
    const { fake, generate } = await setup('good')
    const result = await generate({ n: 2 })
    expect(result.images).toHaveLength(2)
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    await generate({ model: 'flux-dev' })
    await generate({ model: 'flux-pro-1.1', steps: 9, width: 2000, height: 1000 })
    const [, dev, pro] = fake.bodies()
    expect(dev).toMatchObject({
      num_inference_steps: 28,
      image_size: { width: 1024, height: 1024 },
    })
    expect(pro).not.toHaveProperty('num_inference_steps')
    expect(pro).toMatchObject({ image_size: { width: 1440, height: 736 } })
    expect(fake.requests.map((r) => r.path)).toContain('/fal-ai/flux-pro/v1.1')
  })

  it.each([
    ['nsfw', /safety checker flagged the image/],
    ['policy', /HTTP 422.*flagged by a content checker/],
  ] as const)('refuses a %s answer with 400 and does not retry it', async (behaviour, why) => {
    const { fake, generate } = await setup('k', { keys: { k: behaviour } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation', retryable: false })
    expect(error.message).toMatch(why)
    expect(fake.bodies()).toHaveLength(1)
  })

  it.each([
    ['unauthorized', 502, 'no_usable_upstream', /key was rejected \(HTTP 401\)/],
    ['locked', 502, 'no_usable_upstream', /HTTP 403.*Exhausted balance/],
    ['rate-limited', 503, 'all_targets_cooling_down', /HTTP 429/],
    ['server-error', 502, 'upstream_failed', /server error \(HTTP 500\)/],
  ] as const)('maps %s to %i %s', async (behaviour, status, code, why) => {
    const { catalogue, generate } = await setup('k', { keys: { k: behaviour } })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status, code })
    expect(catalogue.targets[0]!.health.lastError).toMatch(why)
    if (behaviour === 'rate-limited') expect(error.retryAfter).toBe(12)
  })

  it('stops polling and cancels the job when the client aborts mid-poll', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'stuck' } })
    expect(await abortMidPoll(generate, fake.polls)).toMatchObject({ status: 499 })
    expect(fake.cancels()).toBe(1)
  })

  it('never sends the key to a status URL on another host', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'foreign-status' } })
    const error = await rejection(generate())
    expect(error.message).toMatch(
      /refused to send the key to a job URL: it points at a private.*\(localhost\)/,
    )
    expect(fake.polls()).toBe(0)
  })

  it('answers 504 over HTTP at REQUEST_TIMEOUT and cancels the job', async () => {
    const fake = track(await startFakeFal({ keys: { k: 'stuck' } }))
    const options = { pollIntervalMs: 50 }
    await timeoutOverHttp({ type: 'fal', keys: ['k'], baseUrl: fake.url, options }, track)
    expect(fake.polls()).toBeGreaterThan(3)
    expect(fake.cancels()).toBe(1)
  })
})

describe('fal sync mode', () => {
  it('posts once to the endpoint and downloads the output without polling', async () => {
    const { fake, generate, progress } = await setup('good', { mode: 'sync' })
    const result = await generate({ width: 768, height: 512 })
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(fake.polls()).toBe(0)
    expect(result.images[0]).toMatchObject({ width: 768, height: 512 })
    expect(result.images[0]!.bytes).toEqual(fake.served[0])
    expect(progress).toEqual(['fal: downloading the image'])
  })

  it('hangs up on a slow call when the client aborts', async () => {
    const { fake, generate } = await setup('k', {
      mode: 'sync',
      keys: { k: 'slow' },
      slowMs: 5_000,
    })
    const controller = new AbortController()
    const pending = rejection(generate({ signal: controller.signal }))
    await eventually(() => fake.bodies().length === 1, 3_000)
    controller.abort()
    expect(await pending).toMatchObject({ status: 499 })
    await eventually(() => fake.disconnects() === 1, 3_000)
  })
})
