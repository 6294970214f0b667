import type { ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * SiliconFlow's text-to-image models (api-docs.siliconflow.cn, images-generations-post).
 * The API takes `image_size` as "WxH", `num_inference_steps` 1-100, `seed` 0-9999999999, and
 * `batch_size` 1-4 for Kolors only. Size ranges are ours: the docs list recommended sizes, which
 * become the defaults here; seed 004 asked for free sizes such as 256x256 and 512x512.
 */

/** FLUX works in 16-pixel latent patches; 32 keeps every preset of seed 000 exact. */
const FLUX_SIZE = { min: 256, max: 2048, multiple: 32, maxPixels: 2048 * 1024 }

const flux = (steps: ModelCapabilities['steps']): ModelCapabilities => ({
  size: FLUX_SIZE,
  defaultSize: { width: 1024, height: 1024 },
  steps,
  seed: true,
  // FLUX is guidance-distilled: SiliconFlow accepts the field but the model ignores it.
  negativePrompt: false,
  maxPromptLength: 2048,
  maxImagesPerCall: 1,
})

/** Every model this provider knows; others named in config get GENERIC_CAPABILITIES. */
export const SILICONFLOW_MODELS: ModelSpec[] = [
  {
    id: 'black-forest-labs/FLUX.1-schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    // Distilled to about 4 steps; more only costs time.
    capabilities: flux({ min: 1, max: 12, default: 4 }),
  },
  {
    id: 'black-forest-labs/FLUX.1-dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: flux({ min: 1, max: 50, default: 28 }),
  },
  {
    id: 'Kwai-Kolors/Kolors',
    publicIds: ['kolors'],
    // Recommended: 1024x1024, 960x1280, 768x1024, 720x1440, 720x1280.
    capabilities: {
      size: { min: 512, max: 1440, multiple: 8, maxPixels: 1024 * 1440 },
      defaultSize: { width: 1024, height: 1024 },
      steps: { min: 1, max: 50, default: 20 },
      seed: true,
      negativePrompt: true,
      maxPromptLength: 2048,
      maxImagesPerCall: 4,
    },
  },
  {
    id: 'Qwen/Qwen-Image',
    publicIds: ['qwen-image'],
    // Recommended: 1328x1328, 1664x928, 928x1664, 1472x1140, 1140x1472, 1584x1056, 1056x1584.
    capabilities: {
      size: { min: 512, max: 1664, multiple: 4, maxPixels: 1328 * 1328 },
      defaultSize: { width: 1328, height: 1328 },
      steps: { min: 1, max: 100, default: 20 },
      seed: true,
      negativePrompt: true,
      maxPromptLength: 2048,
      maxImagesPerCall: 1,
    },
  },
]

/** For a model id this file does not know (SILICONFLOW_MODEL can name any): the API's ranges. */
export const GENERIC_CAPABILITIES: ModelCapabilities = {
  size: { min: 256, max: 2048, multiple: 16, maxPixels: 2048 * 2048 },
  defaultSize: { width: 1024, height: 1024 },
  steps: { min: 1, max: 100, default: 20 },
  seed: true,
  negativePrompt: true,
  maxPromptLength: 2048,
  maxImagesPerCall: 1,
}

/**
 * The specs for the configured model ids, or the whole catalogue when none are configured.
 * Ids match case-insensitively, and a public id (`flux-dev`) names its model; the upstream
 * always receives the canonical id. Unknown ids keep their spelling and get generic capabilities.
 */
export function resolveModels(ids: string[] | undefined): ModelSpec[] {
  if (!ids?.length) return SILICONFLOW_MODELS
  const specs = ids.map((id): ModelSpec => {
    const wanted = id.toLowerCase()
    const known = SILICONFLOW_MODELS.find(
      (model) => model.id.toLowerCase() === wanted || model.publicIds.includes(wanted),
    )
    return known ?? { id, publicIds: [], capabilities: GENERIC_CAPABILITIES }
  })
  return specs.filter((spec, index) => specs.findIndex((other) => other.id === spec.id) === index)
}
