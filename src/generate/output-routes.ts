import { GatewayError } from '../errors.ts'
import type { Catalogue, Route } from '../pool/catalogue.ts'
import type { ImageParams } from '../request/fields.ts'
import { inputShape, resolveModel, routesForInput } from './input-routes.ts'

/**
 * Which targets may serve a request, given what it asks of the output: a format (only models
 * that declare it, `capabilities.outputFormats`) and a transparent background. No image is
 * converted between formats: no encoder fits the Worker's size budget, and a model that cannot
 * give the format is refused here, before any upstream is paid.
 */

export type OutputAsk = Pick<ImageParams, 'outputFormat' | 'background'>

/** The routes able to give `ask`, or a 400 naming the parameter none of them can honour. */
export function routesForOutput(model: string, routes: Route[], ask: OutputAsk): Route[] {
  let able = routes
  if (ask.background === 'transparent') {
    able = able.filter((route) => route.model.capabilities.transparentBackground)
    if (!able.length) {
      refuse(`The model '${model}' cannot draw a transparent background`, 'background')
    }
  }
  const format = ask.outputFormat
  if (!format) return able
  const formats = (route: Route) => route.model.capabilities.outputFormats ?? []
  const giving = able.filter((route) => formats(route).includes(format))
  if (giving.length) return giving
  const offered = [...new Set(able.flatMap(formats))]
  refuse(
    `The model '${model}' cannot give ${format} images here (${offered.length ? `it gives ${offered.join(', ')}` : 'its format is not known in advance'}); ask for another output_format or leave it out`,
    'output_format',
  )
}

/**
 * Throws the 400 generateImages would for a request no route can serve, by its input images or
 * its output, or the 404 for an unknown model: cheap, so doors call it before they count the
 * request against a client's quota.
 */
export function checkRoutes(catalogue: Catalogue, image: ImageParams): void {
  const shape = inputShape(image)
  const resolved = resolveModel(catalogue, image.model, shape)
  routesForOutput(resolved.id, routesForInput(resolved, shape), image)
}

function refuse(message: string, param: string): never {
  throw new GatewayError(400, 'unsupported_parameter', message, { param })
}
