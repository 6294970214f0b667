import type { Catalogue, ResolvedModel, Route } from '../pool/catalogue.ts'
import { type ImageParams, MAX_INPUT_IMAGES } from '../request/fields.ts'
import { inputError } from './input-images.ts'

/**
 * Which targets may serve a request, given its input images. Checked before any image is read or
 * any upstream is paid, from the models' declared capabilities alone.
 */

export type InputShape = { images: number; mask: boolean }

/** True when `route` can serve a request with this many input images (and a mask). */
export function takesInput(route: Route, shape: InputShape): boolean {
  const input = route.model.capabilities.input
  if (shape.images === 0) return !input?.editOnly
  return input !== undefined && shape.images <= input.maxImages && (!shape.mask || input.mask)
}

/**
 * The model a request runs on. An edit that names no model, or names one of OpenAI's default ids
 * (`dall-e-2`, as Open WebUI sends for edits), runs on the default model if it can edit, else on
 * the first listed model that can: a client should not need to know which model edits.
 */
export function resolveModel(
  catalogue: Catalogue,
  id: string | undefined,
  shape: InputShape,
): ResolvedModel {
  const resolved = catalogue.resolve(id)
  const named = id !== undefined && resolved.id.toLowerCase() === id.toLowerCase()
  if (shape.images === 0 || named || resolved.routes.some((r) => takesInput(r, shape))) {
    return resolved
  }
  for (const publicId of catalogue.publicIds) {
    const candidate = catalogue.resolve(publicId)
    if (candidate.routes.some((r) => takesInput(r, shape))) return candidate
  }
  return resolved // refused with a reason by routesForInput
}

/**
 * Throws the 400 generateImages would for a request no route can take, or an unknown model:
 * cheap, so doors call it before they count the request against a client's quota.
 */
export function checkInputShape(
  catalogue: Catalogue,
  model: string | undefined,
  shape: InputShape,
): void {
  routesForInput(resolveModel(catalogue, model, shape), shape)
}

/** The shape of a request's input: how many images, and whether a mask comes with them. */
export const inputShape = (params: Pick<ImageParams, 'images' | 'mask'>): InputShape => ({
  images: params.images?.length ?? 0,
  mask: params.mask !== undefined,
})

/** The routes of `resolved` able to take the input, or a 400 saying why none can. */
export function routesForInput(resolved: ResolvedModel, shape: InputShape): Route[] {
  const routes = resolved.routes.filter((route) => takesInput(route, shape))
  if (routes.length > 0 && !(shape.mask && shape.images === 0)) return routes
  const inputs = resolved.routes.map((route) => route.model.capabilities.input)
  const model = resolved.id
  if (shape.images === 0 && shape.mask) {
    return refuse(400, 'image_required', 'A mask applies to an image: send the image too')
  }
  if (shape.images === 0) {
    return refuse(
      400,
      'image_required',
      `The model '${model}' edits images: send an image`,
      'image',
    )
  }
  if (inputs.every((input) => input === undefined)) {
    return refuse(400, 'unsupported_parameter', `The model '${model}' does not take input images`)
  }
  const limit = Math.min(
    MAX_INPUT_IMAGES,
    Math.max(...inputs.map((input) => input?.maxImages ?? 0)),
  )
  if (shape.images > limit) {
    return refuse(
      400,
      'too_many_images',
      `The model '${model}' takes at most ${limit} input image${limit === 1 ? '' : 's'}; got ${shape.images}`,
    )
  }
  return refuse(400, 'unsupported_parameter', `The model '${model}' does not take a mask`, 'mask')
}

function refuse(status: 400, code: string, message: string, param = 'image'): never {
  throw inputError(status, code, message, param)
}
