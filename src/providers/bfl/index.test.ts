import { describe, expect, it } from 'vitest'
import { resolveModels } from '../models.ts'
import { bflError } from './errors.ts'
import { BFL_MODELS, bflInput, genericModel } from './models.ts'

describe('bflInput', () => {
  it('sends width/height, steps to dev only, and a fixed safety tolerance', async () => {
    const [pro, dev] = BFL_MODELS
    const request = { prompt: 'p', n: 1, width: 1024, height: 768, steps: 20, seed: 1 }
    expect(await bflInput(dev!, request)).toEqual({
      prompt: 'p',
      width: 1024,
      height: 768,
      steps: 20,
      seed: 1,
      safety_tolerance: 2,
      output_format: 'jpeg',
    })
    expect(await bflInput(pro!, request)).not.toHaveProperty('steps')
  })

  it('serves a public id by its endpoint and an unknown endpoint with FLUX.2 limits', () => {
    const [klein, future] = resolveModels(BFL_MODELS, ['FLUX-2-Klein', 'flux-3-pro'], genericModel)
    expect(klein!.id).toBe('flux-2-klein-4b')
    expect(future).toMatchObject({ id: 'flux-3-pro', publicIds: [] })
    expect(future!.capabilities.size).toMatchObject({ multiple: 16 })
  })
})

describe('bflError', () => {
  const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    bflError('bfl', new Response(null, { status, headers }), JSON.stringify(body), 'bfl-key-1')

  it.each([
    [402, 'unauthorized'],
    [403, 'unauthorized'],
    [429, 'rate-limited'],
    [422, 'bad-request'],
    [400, 'bad-request'],
    [404, 'server'],
    [503, 'server'],
  ] as const)('maps HTTP %i to %s', (status, failure) => {
    expect(map(status, { detail: 'x' }).upstream?.failure).toBe(failure)
  })

  it('quotes validation details, honours Retry-After, and masks the key', () => {
    const detail = [
      { loc: ['body', 'width'], msg: 'must be a multiple of 32', type: 'multiple_of' },
    ]
    expect(map(422, { detail }).message).toBe(
      'bfl: rejected the request (HTTP 422): width: must be a multiple of 32',
    )
    expect(map(429, {}, { 'retry-after': '9' }).retryAfter).toBe(9)
    expect(map(403, { detail: 'bad key bfl-key-1' }).message).not.toContain('bfl-key-1')
  })

  it('quotes a refused input image as the request at fault, not retried elsewhere', () => {
    const detail = [
      { loc: ['body', 'input_image'], msg: 'Invalid base64 image', type: 'value_error' },
    ]
    const error = map(422, { detail })
    expect(error.message).toBe(
      'bfl: rejected the request (HTTP 422): input_image: Invalid base64 image',
    )
    expect([error.status, error.retryable]).toEqual([400, false])
  })
})
