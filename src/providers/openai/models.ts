import type { InputCapabilities, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Models of OpenAI-compatible image APIs. Ids come from the entry's `models` and are passed
 * through as written; OpenAI's own models get their documented limits (OpenAI's API
 * reference), any other id (a LocalAI or stable-diffusion.cpp model, another fluxgate's
 * `flux-schnell`) the generic capabilities below, and image input only when the entry's
 * `options.input` says the server edits.
 */

/** The model served when an entry on OpenAI's own API names none: the cheapest GPT image model. */
export const OPENAI_DEFAULT_MODEL = 'gpt-image-1-mini'

const square = (side: number) => ({ width: side, height: side })

/** A fixed-size model: the request is fitted to the nearest of `sizes` (providers/fit.ts). */
function fixedSizes(
  sizes: { width: number; height: number }[],
  extra: Pick<ModelCapabilities, 'maxPromptLength' | 'maxImagesPerCall'>,
): ModelCapabilities {
  const sides = sizes.flatMap((size) => [size.width, size.height])
  return {
    size: { min: Math.min(...sides), max: Math.max(...sides), multiple: 8 },
    sizes,
    defaultSize: square(1024),
    // The Images API takes neither steps, seed nor a negative prompt.
    steps: null,
    seed: false,
    negativePrompt: false,
    ...extra,
  }
}

/** `/images/edits` of GPT image models: up to 16 images (`image[]`), a mask for the first. */
const GPT_IMAGE_INPUT: InputCapabilities = { maxImages: 16, mask: true, editOnly: false }

const GPT_IMAGE = {
  ...fixedSizes(
    [square(1024), { width: 1536, height: 1024 }, { width: 1024, height: 1536 }],
    // n may be up to 10; the gateway asks for at most 4.
    { maxPromptLength: 32_000, maxImagesPerCall: 4 },
  ),
  input: GPT_IMAGE_INPUT,
}

/** OpenAI's models by id; dated snapshots (`gpt-image-1-2025-04-15`) share their model's limits. */
const KNOWN: Record<string, ModelCapabilities> = {
  'dall-e-2': {
    ...fixedSizes([256, 512, 1024].map(square), { maxPromptLength: 1000, maxImagesPerCall: 4 }),
    // One square PNG, and a mask of the same size.
    input: { maxImages: 1, mask: true, editOnly: false },
  },
  'dall-e-3': fixedSizes(
    [square(1024), { width: 1792, height: 1024 }, { width: 1024, height: 1792 }],
    { maxPromptLength: 4000, maxImagesPerCall: 1 }, // dall-e-3 takes n=1 only
  ),
  'gpt-image-1': GPT_IMAGE,
  'gpt-image-1-mini': GPT_IMAGE,
  'gpt-image-1.5': GPT_IMAGE,
  // Any WxH with both sides multiples of 16, up to 3840x2160 (its 1:3 to 3:1 ratio bound is
  // not expressible here; a request past it gets the upstream's 400).
  'gpt-image-2': {
    size: { min: 256, max: 3840, multiple: 16, maxPixels: 3840 * 2160 },
    defaultSize: square(1024),
    steps: null,
    seed: false,
    negativePrompt: false,
    maxPromptLength: 32_000,
    maxImagesPerCall: 4,
    input: GPT_IMAGE_INPUT,
  },
}

/**
 * Any other model: free sizes in a range every Stable Diffusion and FLUX server handles, and
 * nothing the Images API cannot carry. One image per call, because not every server honours
 * `n` (and those that do queue the batch on one GPU anyway): n images are n parallel calls.
 */
export const GENERIC_CAPABILITIES: ModelCapabilities = {
  size: { min: 256, max: 2048, multiple: 8 },
  defaultSize: square(1024),
  steps: null,
  seed: false,
  negativePrompt: false,
  maxPromptLength: 4000,
  maxImagesPerCall: 1,
}

/** OpenAI's limits for `id` (a known model or a dated snapshot of one), or null. */
export function knownCapabilities(id: string): ModelCapabilities | null {
  const base = id.toLowerCase().replace(/-\d{4}-\d{2}-\d{2}$/, '')
  return Object.hasOwn(KNOWN, base) ? KNOWN[base]! : null
}

/** GPT image models always answer base64 and reject `response_format`. */
export const isGptImage = (id: string) => /^(chatgpt-)?gpt-image/i.test(id)

/**
 * A configured id, passed through as written; it doubles as its own public id. `input` is what
 * the entry says its server's `/images/edits` takes, for ids that are not OpenAI's own.
 */
export const openaiModel = (id: string, input?: InputCapabilities): ModelSpec => ({
  id,
  publicIds: [],
  capabilities:
    knownCapabilities(id) ?? (input ? { ...GENERIC_CAPABILITIES, input } : GENERIC_CAPABILITIES),
})
