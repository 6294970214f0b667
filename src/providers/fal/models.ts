import type { ImageRequest, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * fal.ai's FLUX endpoints (fal-js `types/endpoints.ts`, the models' llms.txt pages). Every one
 * takes `image_size` as `{width, height}`, `seed`, `num_images`, `enable_safety_checker` and
 * `output_format`; schnell and dev add `num_inference_steps`. fal does not document bounds for
 * custom sizes: these follow FLUX's own (16-pixel latents, about 2 MP), and BFL's for pro.
 */

/** 32 keeps every preset of seed 000 exact (576 = 18 x 32). */
const FLUX_SIZE = { min: 256, max: 2048, multiple: 32, maxPixels: 2048 * 1024 }
/** FLUX1.1 [pro] is BFL's model behind fal: BFL's limits, 256-1440 in multiples of 32. */
const PRO_SIZE = { min: 256, max: 1440, multiple: 32 }

const capabilities = (
  size: ModelCapabilities['size'],
  steps: ModelCapabilities['steps'],
  maxImagesPerCall: number,
): ModelCapabilities => ({
  size,
  defaultSize: { width: 1024, height: 1024 },
  steps,
  seed: true,
  // FLUX is guidance-distilled and none of these endpoints has a negative_prompt field.
  negativePrompt: false,
  maxPromptLength: 2048,
  maxImagesPerCall,
})

/** The endpoints this provider knows; others named in config get GENERIC_CAPABILITIES. */
export const FAL_MODELS: ModelSpec[] = [
  {
    id: 'fal-ai/flux/schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    // Range 1-12, default 4 (the endpoint's page).
    capabilities: capabilities(FLUX_SIZE, { min: 1, max: 12, default: 4 }, 4),
  },
  {
    id: 'fal-ai/flux/dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: capabilities(FLUX_SIZE, { min: 1, max: 50, default: 28 }, 4),
  },
  {
    id: 'fal-ai/flux-pro/v1.1',
    publicIds: ['flux-pro-1.1'],
    // A fixed schedule: the endpoint has no num_inference_steps.
    capabilities: capabilities(PRO_SIZE, null, 4),
  },
]

/**
 * For an endpoint this file does not know: the common FLUX fields only (no steps, whose range
 * differs per model), one image per call.
 */
export const GENERIC_CAPABILITIES: ModelCapabilities = capabilities(FLUX_SIZE, null, 1)

/** The specs for the configured endpoint ids (or public ids), or the whole catalogue. */
export function resolveModels(ids: string[] | undefined): ModelSpec[] {
  if (!ids?.length) return FAL_MODELS
  const specs = ids.map((id): ModelSpec => {
    const known = FAL_MODELS.find((model) => model.id === id || model.publicIds.includes(id))
    return known ?? { id, publicIds: [], capabilities: GENERIC_CAPABILITIES }
  })
  return specs.filter((spec, index) => specs.findIndex((other) => other.id === spec.id) === index)
}

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
  input.output_format = 'jpeg'
  return input
}
