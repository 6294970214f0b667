import { describe, expect, it } from 'vitest'
import { resolveModels } from '../models.ts'
import { editForm, requestBody } from './index.ts'
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

  it('declares image input for OpenAI models that edit, and for others only when told', () => {
    expect(knownCapabilities('gpt-image-1.5')?.input).toEqual({
      maxImages: 16,
      mask: true,
      editOnly: false,
    })
    expect(knownCapabilities('gpt-image-2')?.input?.maxImages).toBe(16)
    expect(knownCapabilities('dall-e-2')?.input).toEqual({
      maxImages: 1,
      mask: true,
      editOnly: false,
    })
    expect(knownCapabilities('dall-e-3')?.input).toBeUndefined()
    expect(openaiModel('sd-turbo').capabilities.input).toBeUndefined()
    const input = { maxImages: 3, mask: false, editOnly: true }
    expect(openaiModel('flux-kontext-dev', input).capabilities.input).toBe(input)
    // OpenAI's own limits win over the entry's option.
    expect(openaiModel('dall-e-2', input).capabilities.input?.maxImages).toBe(1)
  })

  it('builds the edit form with `image` for one image and `image[]` for several', () => {
    const [gpt] = models(['gpt-image-1'])
    const png = { bytes: new Uint8Array([1, 2]), contentType: 'image/png' as const }
    const jpeg = { bytes: new Uint8Array([3]), contentType: 'image/jpeg' as const }
    const image = (source: typeof png | typeof jpeg) => ({ ...source, width: 1, height: 1 })
    const one = editForm(gpt!, { prompt: 'p', n: 1, images: [image(png)] })
    expect([...one.keys()]).toEqual(['model', 'prompt', 'n', 'image'])
    const several = editForm(gpt!, {
      prompt: 'p',
      n: 1,
      images: [image(png), image(jpeg)],
      mask: image(png),
    })
    const files = several.getAll('image[]') as File[]
    expect(files.map((file) => [file.name, file.type])).toEqual([
      ['image-1.png', 'image/png'],
      ['image-2.jpg', 'image/jpeg'],
    ])
    expect((several.get('mask') as File).name).toBe('mask.png')
    expect(several.has('image')).toBe(false)
  })
})
