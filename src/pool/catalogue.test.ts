import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, type ProviderEntry } from '../config.ts'
import { buildProviders } from '../providers/build.ts'
import { fluxCapabilities } from '../providers/flux-capabilities.ts'
import type { ImageProvider, ModelSpec } from '../providers/types.ts'
import { Catalogue } from './catalogue.ts'

const capabilities = { ...fluxCapabilities(null, null), maxPromptLength: 100 }
const model = (id: string, ...publicIds: string[]): ModelSpec => ({ id, publicIds, capabilities })

/** A configured provider that is never called: the catalogue only reads its models. */
function built(
  type: string,
  models: ModelSpec[],
  entry: Partial<ProviderEntry> & { name?: string } = {},
): { provider: ImageProvider; entry: ProviderEntry } {
  const provider: ImageProvider = {
    type,
    name: entry.name ?? type,
    models,
    generate: () => Promise.reject(new Error('not called')),
  }
  return { provider, entry: { type, keys: [], priority: 0, weight: 1, options: {}, ...entry } }
}

const siliconflow = built('siliconflow', [
  model('black-forest-labs/FLUX.1-schnell', 'flux-schnell', 'flux-1-schnell'),
  model('black-forest-labs/FLUX.1-dev', 'flux-dev'),
])
const together = built('together', [
  model('black-forest-labs/FLUX.1-schnell', 'flux-schnell'),
  model('black-forest-labs/FLUX.1.1-pro', 'flux-pro-1.1'),
])
const workersAi = built('workers-ai', [
  model('@cf/black-forest-labs/flux-1-schnell', 'flux-schnell', 'flux-1-schnell'),
  model('@cf/black-forest-labs/flux-2-klein-4b', 'flux-2-klein-4b', 'flux-2-klein'),
])

const providersOf = (catalogue: Catalogue, id: string) =>
  catalogue.resolve(id).routes.map((route) => route.target.provider.name)

describe('Catalogue', () => {
  const catalogue = new Catalogue([workersAi, siliconflow, together])

  it('routes a public id to every provider that serves it', () => {
    expect(providersOf(catalogue, 'flux-schnell')).toEqual([
      'workers-ai',
      'siliconflow',
      'together',
    ])
    expect(providersOf(catalogue, 'flux-1-schnell')).toEqual(['workers-ai', 'siliconflow'])
    expect(providersOf(catalogue, 'flux-2-klein')).toEqual(['workers-ai'])
  })

  it('routes provider-qualified and bare upstream ids to that provider only', () => {
    expect(providersOf(catalogue, 'siliconflow/flux-schnell')).toEqual(['siliconflow'])
    expect(providersOf(catalogue, 'siliconflow/black-forest-labs/FLUX.1-schnell')).toEqual([
      'siliconflow',
    ])
    expect(providersOf(catalogue, 'workers-ai/@cf/black-forest-labs/flux-1-schnell')).toEqual([
      'workers-ai',
    ])
    // Flux-API-Worker's clients send the Workers AI id itself.
    expect(providersOf(catalogue, '@cf/black-forest-labs/flux-1-schnell')).toEqual(['workers-ai'])
    // Two providers with the same upstream id both serve it.
    expect(providersOf(catalogue, 'black-forest-labs/FLUX.1-schnell')).toEqual([
      'siliconflow',
      'together',
    ])
  })

  it('matches ids ignoring case, answering with the catalogue spelling', () => {
    expect(catalogue.resolve('FLUX-Schnell').id).toBe('flux-schnell')
    expect(catalogue.resolve('black-forest-labs/flux.1-dev').id).toBe(
      'black-forest-labs/FLUX.1-dev',
    )
    expect(catalogue.has('SILICONFLOW/flux-dev')).toBe(true)
  })

  it("takes OpenAI's image ids as the default model, and 404s anything else", () => {
    const openAiIds = [
      'dall-e-2',
      'dall-e-3',
      'gpt-image-1',
      'gpt-image-1-mini',
      'gpt-image-1.5',
      'gpt-image-2',
      'chatgpt-image-latest',
      'gpt-image-1-2025-04-23',
      'DALL-E-3',
    ]
    for (const id of [...openAiIds, undefined, '']) {
      expect(catalogue.resolve(id).id).toBe('flux-schnell')
    }
    for (const id of openAiIds) expect(catalogue.has(id)).toBe(true)
    // Only those families: OpenAI's chat models and near misses are not image ids.
    for (const id of ['midjourney-v7', 'gpt-4o', 'gpt-image', 'dall-e', 'my-dall-e-3']) {
      expect(() => catalogue.resolve(id)).toThrow(
        expect.objectContaining({ status: 404, code: 'model_not_found' }),
      )
      expect(catalogue.has(id)).toBe(false)
    }
  })

  it('keeps an OpenAI id for a provider that really serves it', () => {
    const openai = built('openai', [model('dall-e-3')])
    const mixed = new Catalogue([siliconflow, openai])
    expect(providersOf(mixed, 'dall-e-3')).toEqual(['openai'])
    expect(mixed.resolve('dall-e-2').id).toBe('flux-schnell')
  })

  it('lists one line per model, owners in routing order, without aliases or qualified ids', () => {
    expect(catalogue.listing).toEqual([
      {
        id: 'flux-schnell',
        providers: ['workers-ai', 'siliconflow', 'together'],
        takesImages: false,
      },
      { id: 'flux-2-klein-4b', providers: ['workers-ai'], takesImages: false },
      { id: 'flux-dev', providers: ['siliconflow'], takesImages: false },
      { id: 'flux-pro-1.1', providers: ['together'], takesImages: false },
    ])
    expect(catalogue.publicIds).toEqual(catalogue.listing.map((line) => line.id))
  })

  it('lists by priority and takes the first listed model as the default', () => {
    const preferred = built('together', together.provider.models, { priority: 5 })
    const ranked = new Catalogue([siliconflow, preferred])
    expect(ranked.publicIds).toEqual(['flux-schnell', 'flux-pro-1.1', 'flux-dev'])
    expect(ranked.listing[0]!.providers).toEqual(['together', 'siliconflow'])
    // Targets keep the configured order: /v1/status and the pool read them.
    expect(ranked.targets.map((target) => target.id)).toEqual(['siliconflow', 'together'])
  })

  it('honours DEFAULT_MODEL in any servable form and lists it first', () => {
    const chosen = new Catalogue([workersAi, siliconflow], 'flux-dev')
    expect(chosen.defaultModel).toBe('flux-dev')
    expect(chosen.publicIds[0]).toBe('flux-dev')
    expect(chosen.resolve('dall-e-3').id).toBe('flux-dev')
    const qualified = new Catalogue([workersAi, siliconflow], 'siliconflow/flux-schnell')
    expect(providersOf(qualified, 'gpt-image-1')).toEqual(['siliconflow'])
  })

  it('stops start-up when DEFAULT_MODEL names nothing servable, listing what is', () => {
    for (const wanted of ['flux-pro-1.1', 'dall-e-3']) {
      const build = () => new Catalogue([workersAi, siliconflow], wanted)
      expect(build).toThrow(ConfigError)
      expect(build).toThrow(
        `DEFAULT_MODEL: "${wanted}" is not served by the configured providers; servable: flux-schnell, flux-2-klein-4b, flux-dev`,
      )
    }
  })

  it('answers to entry names, so a second entry of one type can be addressed alone', () => {
    const first = built('comfyui', [model('flux-schnell', 'flux-schnell')])
    const second = built('comfyui', [model('flux-schnell', 'flux-schnell')], { name: 'comfyui-2' })
    const two = new Catalogue([first, second])
    expect(providersOf(two, 'comfyui-2/flux-schnell')).toEqual(['comfyui-2'])
    expect(providersOf(two, 'comfyui/flux-schnell')).toEqual(['comfyui', 'comfyui-2'])
    expect(two.listing).toEqual([
      { id: 'flux-schnell', providers: ['comfyui'], takesImages: false },
    ])
  })
})

describe('Catalogue from configuration', () => {
  const catalogueOf = (env: Record<string, string>, ai = false) => {
    const config = loadConfig(env)
    const bindings = ai ? { ai: { run: async () => ({}) } } : {}
    return new Catalogue(buildProviders(config, bindings), config.defaultModel)
  }

  it('makes FLUX_MODEL the default, ahead of SiliconFlow', () => {
    const catalogue = catalogueOf({
      CF_ACCOUNT_ID: 'acc',
      CF_API_TOKEN: 'token',
      FLUX_MODEL: '@cf/black-forest-labs/flux-2-dev',
      IMAGE_API_KEYS: 'sk-1',
    })
    expect(catalogue.defaultModel).toBe('flux-2-dev')
    expect(catalogue.listing.find((line) => line.id === 'flux-schnell')!.providers).toEqual([
      'workers-ai',
      'siliconflow',
    ])
    expect(new Set(catalogue.publicIds).size).toBe(catalogue.publicIds.length)
  })

  it('puts the AI binding last next to configured providers, and first when alone', () => {
    const PROVIDERS = JSON.stringify([
      { type: 'siliconflow', keys: ['sk'], models: ['black-forest-labs/FLUX.1-dev'] },
    ])
    const mixed = catalogueOf({ PROVIDERS, FLUX_MODEL: 'flux-2-dev' }, true)
    expect(mixed.defaultModel).toBe('flux-dev')
    expect(mixed.publicIds.slice(0, 2)).toEqual(['flux-dev', 'flux-2-dev'])
    const alone = catalogueOf({ FLUX_MODEL: 'flux-2-klein-9b' }, true)
    expect(alone.defaultModel).toBe('flux-2-klein-9b')
    expect(alone.listing[0]).toEqual({
      id: 'flux-2-klein-9b',
      providers: ['workers-ai'],
      // FLUX.2 on Workers AI takes reference images.
      takesImages: true,
    })
  })

  it('serves the demo model alone when nothing is configured', () => {
    const demo = catalogueOf({})
    expect(demo.listing).toEqual([{ id: 'demo', providers: ['demo'], takesImages: true }])
    expect(demo.resolve('dall-e-3').id).toBe('demo')
  })
})
