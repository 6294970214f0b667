import {
  BFL_FLUX1_SIZE,
  DEV_STEPS,
  FLUX2_INPUT,
  fluxCapabilities,
  KONTEXT_INPUT,
  negativePromptCapabilities,
  SCHNELL_STEPS,
} from '../flux-capabilities.ts'
import { unknownModels } from '../models.ts'
import type { ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Together AI's FLUX models (docs.together.ai
 * post-images-generations). Together takes `width`/`height` (default 1024, "keep them multiples
 * of 8"), `steps`, `n` 1-4, `seed` and `negative_prompt`. Size ranges and the per-model step
 * limits are ours: Together documents neither, so they follow the models' own published ranges.
 */

/** Multiples of 16 are multiples of 8 as Together asks, and whole FLUX latent patches. */
const TOGETHER_FLUX_SIZE = { min: 256, max: 1792, multiple: 16, maxPixels: 2048 * 1024 }

/** Kontext on Together reads one `image_url`; text alone draws. */
const KONTEXT: ModelCapabilities = {
  ...fluxCapabilities(TOGETHER_FLUX_SIZE, null),
  input: { ...KONTEXT_INPUT, maxImages: 1 },
}
/** FLUX.2 takes `reference_images`; Together states no count, so BFL's limits are assumed. */
const flux2 = (steps: ModelCapabilities['steps'], maxImages = FLUX2_INPUT.maxImages) => ({
  ...fluxCapabilities(TOGETHER_FLUX_SIZE, steps),
  input: { ...FLUX2_INPUT, maxImages },
})

/** Every model this provider knows; others named in config get GENERIC_CAPABILITIES. */
export const TOGETHER_MODELS: ModelSpec[] = [
  {
    id: 'black-forest-labs/FLUX.1-schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    capabilities: fluxCapabilities(TOGETHER_FLUX_SIZE, SCHNELL_STEPS, 4),
  },
  {
    // The free endpoint has its own, tighter limits (availability UNCONFIRMED): its own public
    // id, so a rate limit on it never stands in for the paid model's route.
    id: 'black-forest-labs/FLUX.1-schnell-Free',
    publicIds: ['flux-schnell-free'],
    capabilities: fluxCapabilities(TOGETHER_FLUX_SIZE, { min: 1, max: 4, default: 4 }),
  },
  {
    id: 'black-forest-labs/FLUX.1-dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: fluxCapabilities(TOGETHER_FLUX_SIZE, DEV_STEPS, 4),
  },
  {
    // Served by Black Forest Labs behind Together: BFL's 256-1440, multiple of 32, no steps.
    id: 'black-forest-labs/FLUX.1.1-pro',
    publicIds: ['flux-pro-1.1', 'flux-1.1-pro'],
    capabilities: fluxCapabilities(BFL_FLUX1_SIZE, null),
  },
  {
    id: 'black-forest-labs/FLUX.1-kontext-pro',
    publicIds: ['flux-kontext-pro'],
    capabilities: KONTEXT,
  },
  {
    id: 'black-forest-labs/FLUX.1-kontext-max',
    publicIds: ['flux-kontext-max'],
    capabilities: KONTEXT,
  },
  { id: 'black-forest-labs/FLUX.2-pro', publicIds: ['flux-2-pro'], capabilities: flux2(null) },
  {
    id: 'black-forest-labs/FLUX.2-flex',
    publicIds: ['flux-2-flex'],
    capabilities: flux2({ min: 1, max: 50, default: 28 }),
  },
  {
    // [dev]'s own limit is not stated either; 4, as on Workers AI, is the safe side.
    id: 'black-forest-labs/FLUX.2-dev',
    publicIds: ['flux-2-dev'],
    capabilities: flux2(DEV_STEPS, 4),
  },
]

/** For a model id this file does not know (Together serves many): the API's documented ranges. */
export const GENERIC_CAPABILITIES: ModelCapabilities = negativePromptCapabilities(
  { min: 256, max: 1792, multiple: 8, maxPixels: 2048 * 1024 },
  { min: 1, max: 50, default: 20 },
  4,
)

/** A model id this file does not know, served with GENERIC_CAPABILITIES. */
export const genericModel = unknownModels(GENERIC_CAPABILITIES)
