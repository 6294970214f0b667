import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { buildProviders } from '../providers/build.ts'
import type { ImageParams } from '../request/fields.ts'
import { rejection } from '../request/testing.ts'
import { checkRoutes, routesForOutput } from './output-routes.ts'

/** A catalogue of real provider types (never called): formats come from their declarations. */
const catalogueOf = (...types: string[]) =>
  new Catalogue(
    buildProviders(
      loadConfig({ PROVIDERS: JSON.stringify(types.map((type) => ({ type, keys: ['k'] }))) }),
      {},
    ),
  )

const ask = (extra: Partial<ImageParams>): ImageParams => ({
  prompt: 'x',
  n: 1,
  model: 'flux-schnell',
  ...extra,
})

const providersFor = (catalogue: Catalogue, extra: Partial<ImageParams>) => {
  const resolved = catalogue.resolve('flux-schnell')
  return routesForOutput(resolved.id, resolved.routes, ask(extra)).map(
    (route) => route.target.provider.name,
  )
}

describe('routesForOutput', () => {
  const mixed = catalogueOf('together', 'siliconflow')

  it('keeps every route when no format is asked for', () => {
    expect(providersFor(mixed, {})).toEqual(['together', 'siliconflow'])
    expect(providersFor(mixed, { background: 'opaque' })).toEqual(['together', 'siliconflow'])
  })

  it("keeps only the routes whose model declares the format (the type's, through build)", () => {
    expect(providersFor(mixed, { outputFormat: 'png' })).toEqual(['together'])
    expect(providersFor(mixed, { outputFormat: 'jpeg' })).toEqual(['together'])
  })

  it('refuses a format no route gives, naming output_format and what is given', () => {
    const error = rejection(() => checkRoutes(mixed, ask({ outputFormat: 'webp' })))
    expect(error).toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param: 'output_format',
      retryable: false,
    })
    expect(error.message).toContain("The model 'flux-schnell' cannot give webp images here")
    expect(error.message).toContain('it gives jpeg, png')
  })

  it('says when no route declares its format at all', () => {
    const error = rejection(() =>
      checkRoutes(catalogueOf('siliconflow'), ask({ outputFormat: 'png' })),
    )
    expect(error.message).toContain('its format is not known in advance')
  })

  it("reads a model's own declaration first: Workers AI's schnell gives JPEG only", () => {
    const workersAi = new Catalogue(
      buildProviders(loadConfig({ CF_ACCOUNT_ID: 'a', CF_API_TOKEN: 't' }), {}),
    )
    expect(() => checkRoutes(workersAi, ask({ outputFormat: 'jpeg' }))).not.toThrow()
    expect(rejection(() => checkRoutes(workersAi, ask({ outputFormat: 'png' })))).toMatchObject({
      param: 'output_format',
    })
  })

  it('refuses a transparent background, which no FLUX model draws', () => {
    const error = rejection(() => checkRoutes(mixed, ask({ background: 'transparent' })))
    expect(error).toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param: 'background',
      message: "The model 'flux-schnell' cannot draw a transparent background",
    })
  })
})
