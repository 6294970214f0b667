import type { InputCapabilities, ModelCapabilities } from './types.ts'

/**
 * What the FLUX models accept wherever they are served (SiliconFlow, Together, fal, Replicate,
 * BFL): the limits of the models themselves. A provider declares only what its API adds, such as
 * its size range or how many images one call returns.
 */

/** FLUX.1 [schnell] is distilled to about 4 steps; more only costs time. */
export const SCHNELL_STEPS = { min: 1, max: 12, default: 4 }
/** FLUX.1 [dev] and FLUX.2 [dev], with BFL's own default. */
export const DEV_STEPS = { min: 1, max: 50, default: 28 }

/** BFL's limits for FLUX1.1 [pro] and FLUX.1 [dev], also where another host serves them. */
export const BFL_FLUX1_SIZE = { min: 256, max: 1440, multiple: 32 }
/** FLUX.2 on BFL's API: multiples of 16 from 64 up to 4 MP. */
export const BFL_FLUX2_SIZE = { min: 64, max: 2048, multiple: 16, maxPixels: 2048 * 2048 }
/**
 * FLUX.1 where the host sets no bounds of its own: 16-pixel latent patches, about 2 MP; 32 keeps
 * the common presets (576 = 18 x 32) exact.
 */
export const FLUX_SIZE = { min: 256, max: 2048, multiple: 32, maxPixels: 2048 * 1024 }

/**
 * For hosts that take an aspect ratio, not a size (Replicate, Kontext): only the shape matters,
 * and a multiple of 1 keeps it exact through fitting (see aspect-ratio.ts).
 */
export const RATIO_SIZE = { min: 64, max: 4096, multiple: 1 }

/**
 * FLUX.1 Kontext [pro] and [max]: one image to edit, up to 4 with BFL's experimental
 * multi-reference (`input_image_2..4`); text alone draws a new image (docs.bfl.ai).
 */
export const KONTEXT_INPUT: InputCapabilities = { maxImages: 4, mask: false, editOnly: false }
/** FLUX.2 [pro], [max] and [flex]: up to 8 reference images through the API (docs.bfl.ai). */
export const FLUX2_INPUT: InputCapabilities = { maxImages: 8, mask: false, editOnly: false }
/** FLUX.2 [klein] 4B and 9B: up to 4 reference images (docs.bfl.ai). */
export const FLUX2_KLEIN_INPUT: InputCapabilities = { maxImages: 4, mask: false, editOnly: false }
/**
 * FLUX.1 Fill [pro]: one image and a mask (or the image's own transparency); it repaints, so
 * it cannot draw from text alone.
 */
export const FILL_INPUT: InputCapabilities = { maxImages: 1, mask: true, editOnly: true }

/**
 * A FLUX model's capabilities. FLUX is guidance-distilled, so it takes no negative prompt (hosts
 * that accept the field ignore it); 1024x1024 is its native size.
 */
export function fluxCapabilities(
  size: ModelCapabilities['size'],
  steps: ModelCapabilities['steps'],
  maxImagesPerCall = 1,
): ModelCapabilities {
  return {
    size,
    defaultSize: { width: 1024, height: 1024 },
    steps,
    seed: true,
    negativePrompt: false,
    maxPromptLength: 2048,
    maxImagesPerCall,
  }
}

/**
 * A diffusion model that, unlike FLUX, honours a negative prompt (Kolors, Qwen-Image, a host's
 * ranges for models this gateway does not know): otherwise FLUX's native size and prompt limit.
 */
export function negativePromptCapabilities(
  size: ModelCapabilities['size'],
  steps: ModelCapabilities['steps'],
  maxImagesPerCall = 1,
): ModelCapabilities {
  return { ...fluxCapabilities(size, steps, maxImagesPerCall), negativePrompt: true }
}
