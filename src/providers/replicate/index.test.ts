import { describe, expect, it } from 'vitest'
import { predictionError, replicateError } from './errors.ts'
import { REPLICATE_MODELS, replicateInput } from './models.ts'

const [schnell, , pro] = REPLICATE_MODELS

describe('replicateInput', () => {
  it('sends a ratio, never width or height, and only the fields the model has', async () => {
    const request = { prompt: 'p', n: 2, width: 1024, height: 576, steps: 4, seed: 3 }
    expect(await replicateInput(schnell!, request, 'png')).toEqual({
      prompt: 'p',
      aspect_ratio: '16:9',
      num_inference_steps: 4,
      seed: 3,
      num_outputs: 2,
      output_format: 'png',
      disable_safety_checker: false,
    })
    expect(await replicateInput(pro!, { ...request, n: 1 }, 'jpg')).toEqual({
      prompt: 'p',
      aspect_ratio: '16:9',
      seed: 3,
      output_format: 'jpg',
      safety_tolerance: 2,
    })
  })
})

describe('replicateError', () => {
  const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    replicateError(
      'replicate',
      new Response(null, { status, headers }),
      JSON.stringify(body),
      'r8_secret',
    )

  it.each([
    [401, 'unauthorized'],
    [402, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'server'],
    [422, 'bad-request'],
    [500, 'server'],
  ] as const)('maps HTTP %i to %s', (status, failure) => {
    expect(map(status, { detail: 'x' }).upstream?.failure).toBe(failure)
  })

  it('reads the throttle wait from the detail, preferring a Retry-After header', () => {
    const body = { detail: 'Request was throttled. Your rate limit resets in ~30s.' }
    expect(map(429, body)).toMatchObject({ retryAfter: 30, upstream: { failure: 'rate-limited' } })
    expect(map(429, body, { 'retry-after': '7' }).retryAfter).toBe(7)
    expect(map(429, { detail: 'Request was throttled.' }).retryAfter).toBeUndefined()
  })

  it('refuses NSFW failures only, scrubbing the token', () => {
    expect(
      predictionError('replicate', 'failed', 'NSFW content detected.', null).upstream?.failure,
    ).toBe('refused')
    const other = predictionError('replicate', 'failed', 'token r8_secret expired', 'r8_secret')
    expect(other).toMatchObject({ message: 'replicate: the prediction failed: token *** expired' })
    expect(other.upstream?.failure).toBe('server')
    expect(predictionError('replicate', 'canceled', undefined, null).message).toBe(
      'replicate: the prediction canceled',
    )
  })
})
