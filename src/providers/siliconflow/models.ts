import {
  DEV_STEPS,
  FLUX_SIZE,
  fluxCapabilities,
  negativePromptCapabilities,
  SCHNELL_STEPS,
} from '../flux-capabilities.ts'
import { unknownModels } from '../models.ts'
import type { ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * SiliconFlow's image models (api-docs.siliconflow.cn, images-generations-post).
 * The API takes `image_size` as "WxH", `num_inference_steps` 1-100, `seed` 0-9999999999, and
 * `batch_size` 1-4 for Kolors only. Size ranges are ours: the docs list recommended sizes, which
 * become the defaults here; freefluxapi's users asked for free sizes such as 256x256 and 512x512.
 * The Qwen-Image-Edit models take the image to edit as `image` (a URL or a base64 data URI),
 * Qwen-Image-Edit-2509 two more as `image2` and `image3`, and neither takes `image_size`.
 */

/** A Qwen-Image-Edit model: no size (the edit keeps its input's), at most `maxImages` images. */
const qwenEdit = (id: string, publicId: string, maxImages: number): ModelSpec => ({
  id,
  publicIds: [publicId],
  capabilities: {
    ...negativePromptCapabilities(null, { min: 1, max: 100, default: 20 }),
    // Edit models: what they would draw from text alone is not documented, so they are not asked.
    input: { maxImages, mask: false, editOnly: true },
  },
})

/** Every model this provider knows; others named in config get GENERIC_CAPABILITIES. */
export const SILICONFLOW_MODELS: ModelSpec[] = [
  {
    id: 'black-forest-labs/FLUX.1-schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    capabilities: fluxCapabilities(FLUX_SIZE, SCHNELL_STEPS),
  },
  {
    id: 'black-forest-labs/FLUX.1-dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: fluxCapabilities(FLUX_SIZE, DEV_STEPS),
  },
  {
    id: 'Kwai-Kolors/Kolors',
    publicIds: ['kolors'],
    // Recommended: 1024x1024, 960x1280, 768x1024, 720x1440, 720x1280.
    capabilities: negativePromptCapabilities(
      { min: 512, max: 1440, multiple: 8, maxPixels: 1024 * 1440 },
      { min: 1, max: 50, default: 20 },
      4,
    ),
  },
  {
    id: 'Qwen/Qwen-Image',
    publicIds: ['qwen-image'],
    // Recommended: 1328x1328, 1664x928, 928x1664, 1472x1140, 1140x1472, 1584x1056, 1056x1584.
    capabilities: {
      ...negativePromptCapabilities(
        { min: 512, max: 1664, multiple: 4, maxPixels: 1328 * 1328 },
        { min: 1, max: 100, default: 20 },
      ),
      defaultSize: { width: 1328, height: 1328 },
    },
  },
  qwenEdit('Qwen/Qwen-Image-Edit', 'qwen-image-edit', 1),
  qwenEdit('Qwen/Qwen-Image-Edit-2509', 'qwen-image-edit-2509', 3),
]

/** For a model id this file does not know (SILICONFLOW_MODEL can name any): the API's ranges. */
export const GENERIC_CAPABILITIES: ModelCapabilities = negativePromptCapabilities(
  { min: 256, max: 2048, multiple: 16, maxPixels: 2048 * 2048 },
  { min: 1, max: 100, default: 20 },
)

/** A model id this file does not know, served with GENERIC_CAPABILITIES. */
export const genericModel = unknownModels(GENERIC_CAPABILITIES)
