import * as z from 'zod/mini'
import type { ProviderEntry } from '../../config.ts'
import { readOptions } from '../options.ts'
import type { ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * The one model of an AUTOMATIC1111 / Forge / stable-diffusion.cpp WebUI: whatever checkpoint
 * it has loaded. The entry's `models` name it (the first is the id, all are public ids); the
 * WebUI is never asked to switch checkpoints, since that takes a minute and affects its other
 * users.
 */

/** `options` of an automatic1111 entry; every field is optional. */
const AUTOMATIC1111_OPTIONS = {
  /** Default steps (the WebUI's own default, 50, is slow for FLUX). */
  steps: z.optional(z.int().check(z.minimum(1), z.maximum(150))),
  /** `cfg_scale`; FLUX in Forge wants 1. Default 7, the WebUI's own. */
  cfgScale: z.optional(z.number().check(z.minimum(0), z.maximum(30))),
  /** `sampler_name`, e.g. "Euler"; the WebUI's default when absent. */
  sampler: z.optional(z.string().check(z.minLength(1))),
  /**
   * How far an edit (img2img) may move from its input: 0 keeps it, 1 ignores it. Default 0.75,
   * the WebUI's own, which follows the prompt while keeping the input's layout and colours.
   */
  denoisingStrength: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
}

export type Automatic1111Options = {
  steps: number
  cfgScale: number
  sampler: string | undefined
  denoisingStrength: number
}

/** Reads the entry's options; throws at start-up naming the bad one. */
export function automatic1111Options(entry: ProviderEntry): Automatic1111Options {
  const options = readOptions(entry, AUTOMATIC1111_OPTIONS)
  return {
    steps: options.steps ?? 20,
    cfgScale: options.cfgScale ?? 7,
    sampler: options.sampler,
    denoisingStrength: options.denoisingStrength ?? 0.75,
  }
}

/** Latent space is 1/8 of the image; the WebUI's own sliders step by 8 from 64 to 2048. */
export function capabilities(options: Automatic1111Options): ModelCapabilities {
  return {
    size: { min: 64, max: 2048, multiple: 8 },
    defaultSize: { width: 1024, height: 1024 },
    steps: { min: 1, max: 150, default: options.steps },
    seed: true,
    negativePrompt: true,
    // Long prompts are split into 75-token chunks by the WebUI itself.
    maxPromptLength: 4000,
    // batch_size images in one pass.
    maxImagesPerCall: 4,
    // img2img: one init image (more would be used one per batch item, not together), and a mask.
    input: { maxImages: 1, mask: true, editOnly: false },
  }
}

/** The model spec: the entry's first model id (or `automatic1111`), all of them public. */
export function modelSpec(entry: ProviderEntry, options: Automatic1111Options): ModelSpec {
  const ids = [...new Set(entry.models ?? [])]
  return { id: ids[0] ?? 'automatic1111', publicIds: ids, capabilities: capabilities(options) }
}
