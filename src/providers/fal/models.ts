import { keepsInputShape, nearestAspectRatio } from '../aspect-ratio.ts'
import {
  BFL_FLUX1_SIZE,
  BFL_FLUX2_SIZE,
  DEV_STEPS,
  FILL_INPUT,
  FLUX_SIZE,
  FLUX2_INPUT,
  fluxCapabilities,
  KONTEXT_INPUT,
  RATIO_SIZE,
  SCHNELL_STEPS,
} from '../flux-capabilities.ts'
import { dataUri, fillInputs } from '../input-images.ts'
import type { ImageRequest, InputCapabilities, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * fal.ai's FLUX endpoints (fal-js `types/endpoints.ts`, the models' llms.txt pages). FLUX.1
 * takes `image_size` as `{width, height}`, `seed`, `num_images`, `enable_safety_checker` and
 * `output_format`; schnell and dev add `num_inference_steps`. fal does not document bounds for
 * custom sizes: these follow FLUX's own (16-pixel latents, about 2 MP), and BFL's for pro.
 * Edits have endpoints of their own, chosen per call by how many images it carries, and take
 * images as URLs or `data:` URIs.
 */

/**
 * How a model is called: FLUX.1 (sizes); Kontext (`aspect_ratio`; text at `/text-to-image`, one
 * `image_url` at the id, several `image_urls` at `/multi`); FLUX.2 (sizes; `image_urls` at
 * `/edit`); Fill (`image_url` and `mask_url`).
 */
export type FalFamily = 'flux1' | 'kontext' | 'flux2' | 'fill'

export type FalModel = ModelSpec & { family: FalFamily }

/** The ratios fal's Kontext endpoints list. */
const KONTEXT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'] as const

const withInput = (capabilities: ModelCapabilities, input: InputCapabilities) => ({
  ...capabilities,
  input,
})
const KONTEXT = withInput(fluxCapabilities(RATIO_SIZE, null, 4), KONTEXT_INPUT)
const flux2 = (steps: ModelCapabilities['steps']) =>
  withInput(fluxCapabilities(BFL_FLUX2_SIZE, steps), FLUX2_INPUT)

/** The endpoints this provider knows; others named in config get GENERIC_CAPABILITIES. */
export const FAL_MODELS: FalModel[] = [
  {
    id: 'fal-ai/flux/schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    capabilities: fluxCapabilities(FLUX_SIZE, SCHNELL_STEPS, 4),
    family: 'flux1',
  },
  {
    id: 'fal-ai/flux/dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: fluxCapabilities(FLUX_SIZE, DEV_STEPS, 4),
    family: 'flux1',
  },
  {
    id: 'fal-ai/flux-pro/v1.1',
    publicIds: ['flux-pro-1.1'],
    // BFL's model behind fal, on a fixed schedule: the endpoint has no num_inference_steps.
    capabilities: fluxCapabilities(BFL_FLUX1_SIZE, null, 4),
    family: 'flux1',
  },
  {
    id: 'fal-ai/flux-pro/kontext',
    publicIds: ['flux-kontext-pro'],
    capabilities: KONTEXT,
    family: 'kontext',
  },
  {
    id: 'fal-ai/flux-pro/kontext/max',
    publicIds: ['flux-kontext-max'],
    capabilities: KONTEXT,
    family: 'kontext',
  },
  // FLUX.2 served by BFL behind fal: one image per call, BFL's sizes.
  {
    id: 'fal-ai/flux-2-pro',
    publicIds: ['flux-2-pro'],
    capabilities: flux2(null),
    family: 'flux2',
  },
  {
    id: 'fal-ai/flux-2-max',
    publicIds: ['flux-2-max'],
    capabilities: flux2(null),
    family: 'flux2',
  },
  {
    id: 'fal-ai/flux-2-flex',
    publicIds: ['flux-2-flex'],
    capabilities: flux2(DEV_STEPS),
    family: 'flux2',
  },
  {
    // Repaints at the image's own size; no steps.
    id: 'fal-ai/flux-pro/v1/fill',
    publicIds: ['flux-fill-pro'],
    capabilities: withInput(fluxCapabilities(null, null, 4), FILL_INPUT),
    family: 'fill',
  },
]

/**
 * For an endpoint this file does not know: the common FLUX fields only (no steps, whose range
 * differs per model), one image per call.
 */
export const GENERIC_CAPABILITIES: ModelCapabilities = fluxCapabilities(FLUX_SIZE, null)

/** A model id this file does not know, served with GENERIC_CAPABILITIES. */
export const genericModel = (id: string): FalModel => ({
  id,
  publicIds: [],
  capabilities: GENERIC_CAPABILITIES,
  family: 'flux1',
})

/** The endpoint a call goes to, by how many images it carries. */
export function falEndpoint(model: FalModel, request: ImageRequest): string {
  const images = request.images?.length ?? 0
  if (model.family === 'kontext') {
    return images === 0
      ? `${model.id}/text-to-image`
      : images === 1
        ? model.id
        : `${model.id}/multi`
  }
  return model.family === 'flux2' && images > 0 ? `${model.id}/edit` : model.id
}

/** The input JSON for a fitted request: only the fields this endpoint takes. */
export async function falInput(
  model: FalModel,
  request: ImageRequest,
): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = { prompt: request.prompt }
  const { family } = model
  const images = request.images ?? []
  if (family === 'fill') {
    // fal's Fill requires `mask_url`: without a mask, the image's transparency is made into one.
    const fill = await fillInputs(images, request.mask, { requireMask: true })
    input.image_url = dataUri(fill.image)
    input.mask_url = dataUri({ bytes: fill.mask!, contentType: 'image/png' })
  } else if (family === 'kontext') {
    if (images.length === 1) input.image_url = dataUri(images[0]!)
    if (images.length > 1) input.image_urls = images.map(dataUri)
    // Without a ratio an edit keeps its input's; text alone needs one.
    if (request.width && request.height && !keepsInputShape(request)) {
      input.aspect_ratio = nearestAspectRatio(request.width, request.height, KONTEXT_RATIOS)
    }
  } else {
    if (images.length) input.image_urls = images.map(dataUri)
    if (request.width && request.height) {
      input.image_size = { width: request.width, height: request.height }
    }
  }
  if (model.capabilities.steps && request.steps !== undefined) {
    input.num_inference_steps = request.steps
  }
  if (request.seed !== undefined) input.seed = request.seed
  if (model.capabilities.maxImagesPerCall > 1) input.num_images = request.n
  // FLUX.1 and FLUX.2 black out what their checker flags (has_nsfw_concepts), which is refused;
  // BFL's models behind fal (Kontext, FLUX.2, Fill) take BFL's tolerance, 2 its default.
  if (family === 'flux1' || family === 'flux2') input.enable_safety_checker = true
  if (family !== 'flux1') input.safety_tolerance = '2'
  input.output_format = request.outputFormat ?? 'jpeg'
  return input
}
