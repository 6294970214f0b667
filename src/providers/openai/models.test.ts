import { describe, expect, it } from 'vitest'
import { resolveModels } from '../models.ts'
import { requestBody } from './index.ts'
import { GENERIC_CAPABILITIES, isGptImage, knownCapabilities, openaiModel } from './models.ts'

const models = (ids: string[]) => resolveModels([], ids, openaiModel)

describe('openai models', () => {
  it('knows OpenAI models and their dated snapshots, case-insensitively', () => {
    expect(knownCapabilities('dall-e-3')?.sizes).toHaveLength(3)
    expect(knownCapabilities('DALL-E-3')?.maxImagesPerCall).toBe(1)
    expect(knownCapabilities('gpt-image-1-2025-04-15')).toBe(knownCapabilities('gpt-image-1'))
    expect(knownCapabilities('gpt-image-2')?.sizes).toBeUndefined()
    expect(knownCapabilities('sd-turbo')).toBeNull()
    expect(knownCapabilities('toString')).toBeNull()
  })

  it('passes other ids through with generic capabilities, once each', () => {
    expect(models(['sd-turbo', 'sd-turbo', 'flux-schnell'])).toEqual([
      { id: 'sd-turbo', publicIds: [], capabilities: GENERIC_CAPABILITIES },
      { id: 'flux-schnell', publicIds: [], capabilities: GENERIC_CAPABILITIES },
    ])
  })

  it('asks for base64 except from GPT image models, which refuse the field', () => {
    expect(isGptImage('gpt-image-1-mini')).toBe(true)
    expect(isGptImage('dall-e-2')).toBe(false)
    const [gpt, dalle] = models(['gpt-image-1', 'dall-e-2'])
    const request = { prompt: 'p', n: 2, width: 512, height: 512 }
    expect(requestBody(gpt!, request)).toEqual({
      model: 'gpt-image-1',
      prompt: 'p',
      n: 2,
      size: '512x512',
    })
    expect(requestBody(dalle!, request)).toMatchObject({ response_format: 'b64_json' })
  })
})
