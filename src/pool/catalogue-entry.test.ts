import { describe, expect, it } from 'vitest'
import { fluxCapabilities } from '../providers/flux-capabilities.ts'
import type { ImageProvider, ModelCapabilities, ModelSpec } from '../providers/types.ts'
import { Catalogue } from './catalogue.ts'

/** `Catalogue.entry`: the /v1/models line of any id that routes, listed or not. */

const capabilities = { ...fluxCapabilities(null, null), maxPromptLength: 100 }
const editing: ModelCapabilities = {
  ...capabilities,
  input: { maxImages: 4, mask: false, editOnly: false },
}

const model = (id: string, publicIds: string[], caps: ModelCapabilities = capabilities) => ({
  id,
  publicIds,
  capabilities: caps,
})

function built(type: string, models: ModelSpec[], priority = 0) {
  const provider: ImageProvider = {
    type,
    name: type,
    models,
    generate: () => Promise.reject(new Error('not called')),
  }
  return { provider, entry: { type, keys: [], priority, weight: 1, options: {} } }
}

const siliconflow = built('siliconflow', [
  model('black-forest-labs/FLUX.1-schnell', ['flux-schnell']),
  model('black-forest-labs/FLUX.1-Kontext-dev', ['flux-kontext-dev'], editing),
])
const together = built('together', [model('black-forest-labs/FLUX.1-schnell', ['flux-schnell'])], 3)
const catalogue = new Catalogue([siliconflow, together])

describe('Catalogue.entry', () => {
  it('gives a listed id the very line of the listing', () => {
    for (const line of catalogue.listing) expect(catalogue.entry(line.id)).toEqual(line)
    expect(catalogue.entry('flux-schnell')).toEqual({
      id: 'flux-schnell',
      providers: ['together', 'siliconflow'],
      takesImages: false,
    })
  })

  it('answers qualified, upstream and differently cased ids in the catalogue spelling', () => {
    expect(catalogue.entry('siliconflow/flux-schnell')).toEqual({
      id: 'siliconflow/flux-schnell',
      providers: ['siliconflow'],
      takesImages: false,
    })
    expect(catalogue.entry('black-forest-labs/flux.1-schnell')).toMatchObject({
      id: 'black-forest-labs/FLUX.1-schnell',
      providers: ['together', 'siliconflow'],
    })
    expect(catalogue.entry('FLUX-Schnell').id).toBe('flux-schnell')
  })

  it("answers an OpenAI image id as asked, with the default model's providers", () => {
    expect(catalogue.entry('gpt-image-1.5')).toEqual({
      id: 'gpt-image-1.5',
      providers: ['together', 'siliconflow'],
      takesImages: false,
    })
  })

  it('marks models that a provider serving them takes input images for', () => {
    expect(catalogue.entry('flux-kontext-dev').takesImages).toBe(true)
    const line = catalogue.listing.find((entry) => entry.id === 'flux-kontext-dev')
    expect(line?.takesImages).toBe(true)
    expect(catalogue.listing.filter((entry) => entry.takesImages)).toHaveLength(1)
  })

  it('404s an id that routes nowhere', () => {
    expect(() => catalogue.entry('siliconflow/flux-pro')).toThrow(
      expect.objectContaining({ status: 404, code: 'model_not_found' }),
    )
  })
})
