import { describe, expect, it } from 'vitest'
import {
  abortMidPoll,
  closedAfterEach,
  gatewayFor,
  rejection,
  timeoutOverHttp,
} from '../contracts/provider.ts'
import { type FakeBflOptions, startFakeBfl } from '../fakes/bfl.ts'

/**
 * The bfl provider against a fake BFL API on 127.0.0.1: `x-key` submissions, polling the
 * returned `polling_url` from Pending to Ready, moderation statuses as refusals, HTTP errors,
 * and polling that stops with the attempt.
 */

const track = closedAfterEach()

async function setup(key: string, fakeOptions: FakeBflOptions = {}) {
  const fake = track(await startFakeBfl(fakeOptions))
  const options = { pollIntervalMs: 20 }
  return { fake, ...gatewayFor([{ type: 'bfl', keys: [key], baseUrl: fake.url, options }]) }
}

describe('bfl provider', () => {
  it('submits with x-key, polls Pending -> Ready, and stores the downloaded sample', async () => {
    const { fake, storage, generate, progress } = await setup('good')
    const result = await generate({ width: 1000, height: 700, seed: 5 })

    expect(fake.submissions()).toEqual([
      {
        endpoint: 'flux-pro-1.1',
        body: {
          prompt: 'a red fox in fresh snow',
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
    expect(await abortMidPoll(generate, fake.polls)).toMatchObject({ status: 499 })
  })

  it('never sends the key to a polling URL on another host', async () => {
    const { fake, generate } = await setup('k', { keys: { k: 'foreign-poll' } })
    const error = await rejection(generate())
    expect(error.message).toMatch(/refused to send the key to a job URL: .*\(localhost\)/)
    expect(fake.polls()).toBe(0)
  })

  it('answers 504 over HTTP at REQUEST_TIMEOUT, and polls no more', async () => {
    const fake = track(await startFakeBfl({ keys: { k: 'stuck' } }))
    const options = { pollIntervalMs: 50 }
    await timeoutOverHttp({ type: 'bfl', keys: ['k'], baseUrl: fake.url, options }, track)
    const polls = fake.polls()
    expect(polls).toBeGreaterThan(3)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(fake.polls()).toBe(polls)
  })
})
