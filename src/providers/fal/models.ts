import {
  BFL_FLUX1_SIZE,
  DEV_STEPS,
  FLUX_SIZE,
  fluxCapabilities,
  SCHNELL_STEPS,
} from '../flux-capabilities.ts'
import { unknownModels } from '../models.ts'
import type { ImageRequest, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * fal.ai's FLUX endpoints (fal-js `types/endpoints.ts`, the models' llms.txt pages). Every one
 * takes `image_size` as `{width, height}`, `seed`, `num_images`, `enable_safety_checker` and
 * `output_format`; schnell and dev add `num_inference_steps`. fal does not document bounds for
 * custom sizes: these follow FLUX's own (16-pixel latents, about 2 MP), and BFL's for pro.
 */

/** The endpoints this provider knows; others named in config get GENERIC_CAPABILITIES. */
export const FAL_MODELS: ModelSpec[] = [
  {
    id: 'fal-ai/flux/schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    capabilities: fluxCapabilities(FLUX_SIZE, SCHNELL_STEPS, 4),
  },
  {
    id: 'fal-ai/flux/dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: fluxCapabilities(FLUX_SIZE, DEV_STEPS, 4),
  },
  {
    id: 'fal-ai/flux-pro/v1.1',
    publicIds: ['flux-pro-1.1'],
    // BFL's model behind fal, on a fixed schedule: the endpoint has no num_inference_steps.
    capabilities: fluxCapabilities(BFL_FLUX1_SIZE, null, 4),
  },
]

/**
 * For an endpoint this file does not know: the common FLUX fields only (no steps, whose range
 * differs per model), one image per call.
 */
export const GENERIC_CAPABILITIES: ModelCapabilities = fluxCapabilities(FLUX_SIZE, null)

/** A model id this file does not know, served with GENERIC_CAPABILITIES. */
export const genericModel = unknownModels(GENERIC_CAPABILITIES)

/** The input JSON for a fitted request: only the fields this endpoint takes. */
export function falInput(model: ModelSpec, request: ImageRequest): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: request.prompt }
  if (request.width && request.height) {
    input.image_size = { width: request.width, height: request.height }
  }
  if (model.capabilities.steps && request.steps !== undefined) {
    input.num_inference_steps = request.steps
  }
  if (request.seed !== undefined) input.seed = request.seed
  input.num_images = request.n
  // Explicit, since a flagged image comes back black (has_nsfw_concepts) and is refused.
  input.enable_safety_checker = true
  input.output_format = request.outputFormat ?? 'jpeg'
  return input
}
