import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../config.ts'
import { fluxCapabilities } from './flux-capabilities.ts'
import { providerModules } from './index.ts'
import { findModel, resolveModels } from './models.ts'
import type { ModelSpec } from './types.ts'

const capabilities = fluxCapabilities(null, null)
const catalogue: ModelSpec[] = [
  { id: 'Vendor/FLUX.1-dev', publicIds: ['flux-dev', 'flux-1-dev'], capabilities },
  { id: 'vendor/kolors', publicIds: ['kolors'], capabilities },
]
const unknown = (id: string): ModelSpec => ({ id, publicIds: [], capabilities })

describe('resolveModels', () => {
  it('serves the whole catalogue when the entry names no model', () => {
    expect(resolveModels(catalogue, undefined, unknown)).toBe(catalogue)
    expect(resolveModels(catalogue, [], unknown)).toBe(catalogue)
  })

  it('matches upstream and public ids in any case, serving the canonical id once', () => {
    const ids = ['vendor/flux.1-DEV', 'FLUX-1-Dev', 'Kolors']
    expect(resolveModels(catalogue, ids, unknown)).toEqual([catalogue[0], catalogue[1]])
    expect(findModel(catalogue, 'KOLORS')).toBe(catalogue[1])
  })

  it('keeps an unknown id as written', () => {
    expect(resolveModels(catalogue, ['Other/New-Model'], unknown)).toEqual([
      unknown('Other/New-Model'),
    ])
  })
})

describe('every provider with a catalogue', () => {
  const entry = (type: string, models: string[]): ProviderEntry => ({
    type,
    keys: ['k'],
    models,
    priority: 0,
    weight: 1,
    options: {},
  })

  it.each([
    ['siliconflow', 'BLACK-FOREST-LABS/flux.1-schnell', 'black-forest-labs/FLUX.1-schnell'],
    ['together', 'Black-Forest-Labs/FLUX.1-Dev', 'black-forest-labs/FLUX.1-dev'],
    ['fal', 'FLUX-Schnell', 'fal-ai/flux/schnell'],
    ['replicate', 'Black-Forest-Labs/Flux-Dev', 'black-forest-labs/flux-dev'],
    ['bfl', 'FLUX-2-KLEIN', 'flux-2-klein-4b'],
    ['workers-ai', 'FLUX-2-dev', '@cf/black-forest-labs/flux-2-dev'],
  ])('%s serves %s as %s', (type, named, canonical) => {
    const provider = providerModules[type]!.create(entry(type, [named]), {
      name: type,
      bindings: {},
    })
    expect(provider.models.map((model) => model.id)).toEqual([canonical])
  })
})
