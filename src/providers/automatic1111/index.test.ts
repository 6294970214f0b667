import { describe, expect, it } from 'vitest'
import { authorization, requestBody, seedFromInfo } from './index.ts'

describe('automatic1111 helpers', () => {
  it('builds Basic auth from user:password, a bearer token otherwise, nothing keyless', () => {
    expect(authorization('user:päss')).toBe(
      `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode('user:päss')))}`,
    )
    expect(authorization('token')).toBe('Bearer token')
    expect(authorization(null)).toBeUndefined()
  })

  it('reads the seed from info only when it is a JSON object with a real seed', () => {
    expect(seedFromInfo('{"seed": 42, "all_seeds": [42]}')).toBe(42)
    expect(seedFromInfo('')).toBeUndefined()
    expect(seedFromInfo('not json')).toBeUndefined()
    expect(seedFromInfo('{"seed": -1}')).toBeUndefined()
    expect(seedFromInfo(null)).toBeUndefined()
  })

  it('sends seed -1 and an empty negative prompt when the request has none', () => {
    const options = { steps: 20, cfgScale: 7, sampler: undefined }
    expect(requestBody({ prompt: 'p', n: 1, width: 64, height: 64, steps: 3 }, options)).toEqual({
      prompt: 'p',
      negative_prompt: '',
      width: 64,
      height: 64,
      steps: 3,
      seed: -1,
      cfg_scale: 7,
      batch_size: 1,
      n_iter: 1,
    })
  })
})
