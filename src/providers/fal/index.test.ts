import { describe, expect, it } from 'vitest'
import { resolveModels } from '../models.ts'
import { falError } from './errors.ts'
import { FAL_MODELS, falInput, GENERIC_CAPABILITIES, genericModel } from './models.ts'

const [schnell, , pro] = FAL_MODELS

describe('falInput', () => {
  it('sends image_size as an object, steps where the endpoint has them, and the safety checker', async () => {
    expect(
      await falInput(schnell!, { prompt: 'p', n: 2, width: 768, height: 512, steps: 4, seed: 0 }),
    ).toEqual({
      prompt: 'p',
      image_size: { width: 768, height: 512 },
      num_inference_steps: 4,
      seed: 0,
      num_images: 2,
      enable_safety_checker: true,
      output_format: 'jpeg',
    })
    expect(await falInput(pro!, { prompt: 'p', n: 1, steps: 4 })).not.toHaveProperty(
      'num_inference_steps',
    )
  })
})

describe('resolveModels', () => {
  it('matches endpoint and public ids, and keeps an unknown endpoint with generic capabilities', () => {
    expect(
      resolveModels(
        FAL_MODELS,
        ['flux-dev', 'FAL-AI/flux/schnell', 'fal-ai/new-thing'],
        genericModel,
      ),
    ).toEqual([
      FAL_MODELS[1],
      schnell,
      {
        id: 'fal-ai/new-thing',
        publicIds: [],
        capabilities: GENERIC_CAPABILITIES,
        family: 'flux1',
      },
    ])
  })
})

describe('falError', () => {
  const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    falError('fal', new Response(null, { status, headers }), JSON.stringify(body), 'id:secret-key')
  const policy = {
    detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }],
  }
  const invalid = {
    detail: [{ loc: ['body', 'image_size'], msg: 'too large', type: 'image_too_large' }],
  }

  it.each([
    [401, { detail: 'Invalid key id:secret-key' }, {}, 'unauthorized'],
    [403, { detail: 'User is locked. Reason: Exhausted balance.' }, {}, 'unauthorized'],
    [429, { detail: 'busy' }, { 'retry-after': '5' }, 'rate-limited'],
    [422, policy, {}, 'refused'],
    [422, invalid, {}, 'bad-request'],
    [408, { detail: 'timeout' }, { 'x-fal-retryable': 'true' }, 'server'],
    [404, { detail: 'Not Found' }, {}, 'server'],
    [504, { detail: 'timeout' }, {}, 'server'],
  ] as const)('maps HTTP %i %j to %s', (status, body, headers, failure) => {
    const error = map(status, body, headers)
    expect(error.upstream?.failure).toBe(failure)
    expect(error.message).not.toContain('secret-key')
  })

  it('quotes the field at fault, honours Retry-After, and notes a non-retryable 5xx', () => {
    expect(map(422, invalid).message).toBe(
      'fal: rejected the request (HTTP 422): image_size: too large',
    )
    expect(map(429, {}, { 'retry-after': '5' }).retryAfter).toBe(5)
    expect(map(500, {}, { 'x-fal-retryable': 'false' }).message).toMatch(/a retry would fail/)
  })
})
