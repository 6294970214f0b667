import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { buildProviders } from './build.ts'
import { providerTypes } from './index.ts'

/**
 * A PROVIDERS entry's `models` as a map from public id to upstream id: read by loadConfig, put
 * on the provider's models by buildProviders, for every provider type that takes `models`.
 */

const catalogueOf = (entries: object[]) => {
  const config = loadConfig({ PROVIDERS: JSON.stringify(entries) })
  return new Catalogue(buildProviders(config, {}))
}

/** `PROVIDERS` problems of a configuration that must not start. */
function refusal(entries: object[]): string[] {
  try {
    catalogueOf(entries)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems
  }
  throw new Error('expected a ConfigError')
}

const entry = (type: string, models: unknown) => ({
  type,
  keys: type === 'workers-ai' ? ['account:token'] : ['key-1'],
  baseUrl: 'http://127.0.0.1:9',
  models,
})

describe('models as a map from public id to upstream id', () => {
  const servingTypes = providerTypes.filter((type) => type !== 'demo')

  it.each(servingTypes)('serves and lists the public id on a %s entry', (type) => {
    const catalogue = catalogueOf([entry(type, { 'house-flux': 'vendor/flux-house-v2' })])
    expect(catalogue.publicIds).toEqual(['house-flux'])
    const { routes } = catalogue.resolve('house-flux')
    expect(routes.map((route) => route.model.id)).toEqual(['vendor/flux-house-v2'])
    // The upstream id still routes, as a listed id does.
    expect(catalogue.resolve('vendor/flux-house-v2').routes).toHaveLength(1)
  })

  it('gives two upstream names of one model one public id, served by both', () => {
    const catalogue = catalogueOf([
      entry('siliconflow', { 'flux-schnell': 'black-forest-labs/FLUX.1-schnell' }),
      entry('openai', { 'flux-schnell': 'flux1-schnell-q8' }),
    ])
    expect(catalogue.listing).toEqual([
      { id: 'flux-schnell', providers: ['siliconflow', 'openai'], takesImages: false },
    ])
    const routes = catalogue.resolve('flux-schnell').routes
    expect(routes.map((route) => [route.target.provider.name, route.model.id])).toEqual([
      ['siliconflow', 'black-forest-labs/FLUX.1-schnell'],
      ['openai', 'flux1-schnell-q8'],
    ])
  })

  it("lists the map's id ahead of a model's built-in public ids, which keep routing", () => {
    const catalogue = catalogueOf([
      entry('siliconflow', { schnell: 'black-forest-labs/FLUX.1-schnell', fast: 'flux-schnell' }),
    ])
    expect(catalogue.publicIds).toEqual(['schnell'])
    for (const id of ['schnell', 'fast', 'flux-schnell']) {
      expect(catalogue.resolve(id).routes.map((route) => route.model.id)).toEqual([
        'black-forest-labs/FLUX.1-schnell',
      ])
    }
  })

  it('keeps a list of models working as before', () => {
    const catalogue = catalogueOf([entry('openai', ['sd-turbo'])])
    expect(catalogue.publicIds).toEqual(['sd-turbo'])
  })

  it('refuses a map naming a model the provider does not serve, naming the entry', () => {
    expect(refusal([{ type: 'demo', models: { mine: 'flux-dev' } }])).toEqual([
      'PROVIDERS: demo entry: models: it serves no "flux-dev"',
    ])
  })

  it('refuses a public id that already names another model of the same entry', () => {
    const models = {
      'black-forest-labs/FLUX.1-dev': 'black-forest-labs/FLUX.1-schnell',
      dev: 'black-forest-labs/FLUX.1-dev',
    }
    expect(refusal([entry('siliconflow', models)])).toEqual([
      'PROVIDERS: siliconflow entry (http://127.0.0.1:9): models: "black-forest-labs/FLUX.1-dev" names another of its models',
    ])
  })

  it.each([
    ['a number', 5],
    ['a map to a non-string', { 'flux-schnell': 1 }],
    ['an empty public id', { '': 'black-forest-labs/FLUX.1-schnell' }],
  ])('refuses %s at start-up, naming the entry', (_, models) => {
    expect(refusal([entry('openai', ['sd-turbo']), entry('openai', models)])).toEqual([
      'PROVIDERS: entry 1.models: must be a list of upstream model ids or a map from public id to upstream id',
    ])
  })

  it('names the empty id in a list or a map', () => {
    const tooShort = 'Too small: expected string to have >=1 characters'
    expect(refusal([entry('openai', { 'flux-schnell': '' })])).toEqual([
      `PROVIDERS: entry 0.models.flux-schnell: ${tooShort}`,
    ])
    expect(refusal([entry('openai', ['sd-turbo', ''])])).toEqual([
      `PROVIDERS: entry 0.models.1: ${tooShort}`,
    ])
  })
})
