import { describe, expect, it } from 'vitest'
import { parseImagesBody } from './images.ts'
import { rejection } from './testing.ts'

describe('the Images API output fields', () => {
  it('reads every value OpenAI documents, and null as absent', () => {
    const call = parseImagesBody({
      prompt: 'x',
      stream: true,
      partial_images: 3,
      output_format: 'webp',
      output_compression: 0,
      background: 'auto',
      quality: 'standard',
      moderation: 'auto',
    })
    expect(call.stream).toBe(true)
    expect(call.image).toMatchObject({
      outputFormat: 'webp',
      background: 'auto',
      quality: 'standard',
    })
    const absent = parseImagesBody({
      prompt: 'x',
      stream: null,
      partial_images: null,
      output_format: null,
      quality: null,
      background: null,
    })
    expect(absent.stream).toBe(false)
    expect(absent.image).toMatchObject({
      outputFormat: undefined,
      quality: undefined,
      background: undefined,
    })
  })

  it.each([
    ['output_format', 'gif', 'output_format must be one of "png", "jpeg", "webp".'],
    ['output_format', 'jpg', 'output_format must be one of "png", "jpeg", "webp".'],
    [
      'quality',
      'ultra',
      'quality must be one of "low", "medium", "high", "auto", "standard", "hd".',
    ],
    ['background', 'none', 'background must be one of "transparent", "opaque", "auto".'],
    ['moderation', 'off', 'moderation must be one of "low", "auto".'],
    ['partial_images', 4, 'partial_images must be a whole number from 0 to 3.'],
    ['output_compression', 101, 'output_compression must be a whole number from 0 to 100.'],
    ['stream', 'yes', 'stream must be true or false (or 1 or 0).'],
  ])('refuses %s %j with a 400 that names it', (param, value, message) => {
    const error = rejection(() => parseImagesBody({ prompt: 'x', [param]: value }))
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', param, message })
  })
})
