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
    const options = { steps: 20, cfgScale: 7, sampler: undefined, denoisingStrength: 0.75 }
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

  it('adds the image, the strength and the inverted mask for img2img', () => {
    const options = { steps: 20, cfgScale: 7, sampler: undefined, denoisingStrength: 0.4 }
    const image = { bytes: new Uint8Array([1, 2, 3]), contentType: 'image/png' as const }
    const input = { ...image, width: 1, height: 1 }
    const mask = { ...input, bytes: new Uint8Array([4]) }
    const body = requestBody({ prompt: 'p', n: 1, images: [input], mask }, options)
    expect(body).toMatchObject({
      init_images: ['AQID'],
      denoising_strength: 0.4,
      mask: 'BA==',
      inpainting_mask_invert: 1,
      inpainting_fill: 1,
    })
    const plain = requestBody({ prompt: 'p', n: 1, images: [input] }, options)
    expect(plain).not.toHaveProperty('mask')
    expect(plain).not.toHaveProperty('inpainting_mask_invert')
  })
})
