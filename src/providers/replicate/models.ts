import { keepsInputShape, nearestAspectRatio } from '../aspect-ratio.ts'
import {
  DEV_STEPS,
  FILL_INPUT,
  FLUX2_INPUT,
  fluxCapabilities,
  KONTEXT_INPUT,
  RATIO_SIZE,
} from '../flux-capabilities.ts'
import { dataUri, fillInputs } from '../input-images.ts'
import type { ImageRequest, InputCapabilities, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Replicate's official FLUX models (their API schemas on replicate.com). FLUX.1 and Kontext take
 * no width or height: they take `aspect_ratio` from a fixed list and pick the pixels themselves
 * (about 1 MP). Their capabilities still declare a free size, so a request's shape survives
 * fitting; the provider turns it into the nearest listed ratio, and the reply reports the real
 * size read from the image. FLUX.2 takes `aspect_ratio: "custom"` with a width and height.
 * Images go as `data:` URIs, which Replicate accepts wherever it takes a file.
 */

/**
 * How a model's input is shaped: FLUX.1 (a ratio), Kontext (a ratio, `input_image`), FLUX.2
 * (a custom size, `input_images`) or Fill (`image` and `mask`, at the image's size).
 */
export type ReplicateFamily = 'flux1' | 'kontext' | 'flux2' | 'fill'

/** A model plus the optional inputs it has, since unknown fields fail Replicate's validation. */
export type ReplicateModel = ModelSpec & {
  family: ReplicateFamily
  /** `num_outputs` (1-4) rather than one image per prediction. */
  numOutputs: boolean
  /** `disable_safety_checker` (schnell, dev, Kontext dev); the pro models have `safety_tolerance`. */
  safetyChecker: boolean
  safetyTolerance: boolean
}

/** FLUX.2's custom sizes: 256-2048, multiples of 32 (rounded there if not). */
const FLUX2_SIZE = { min: 256, max: 2048, multiple: 32 }

const capabilities = (steps: ModelCapabilities['steps'], maxImagesPerCall: number) =>
  fluxCapabilities(RATIO_SIZE, steps, maxImagesPerCall)
const withInput = (base: ModelCapabilities, input: InputCapabilities) => ({ ...base, input })
/** Kontext on Replicate takes one `input_image`. */
const KONTEXT = withInput(capabilities(null, 1), { ...KONTEXT_INPUT, maxImages: 1 })
/**
 * One of BFL's models on Replicate. The open ones (schnell, dev, Kontext dev) have a safety
 * checker switch, and FLUX.1's make up to 4 images per prediction; the pro ones make one and take
 * `safety_tolerance`.
 */
function model(
  name: string,
  family: ReplicateFamily,
  capabilities: ModelCapabilities,
  options: { publicIds?: string[]; open?: boolean } = {},
): ReplicateModel {
  const { publicIds = [name], open = false } = options
  const id = `black-forest-labs/${name}`
  return {
    id,
    publicIds,
    capabilities,
    family,
    numOutputs: open && family === 'flux1',
    safetyChecker: open,
    safetyTolerance: !open,
  }
}

const flux2 = (steps: ModelCapabilities['steps'], maxImages = FLUX2_INPUT.maxImages) =>
  withInput(fluxCapabilities(FLUX2_SIZE, steps), { ...FLUX2_INPUT, maxImages })

/** The models this provider knows; others named in config get the generic treatment. */
export const REPLICATE_MODELS: ReplicateModel[] = [
  model('flux-schnell', 'flux1', capabilities({ min: 1, max: 4, default: 4 }, 4), {
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    open: true,
  }),
  model('flux-dev', 'flux1', capabilities(DEV_STEPS, 4), {
    publicIds: ['flux-dev', 'flux-1-dev'],
    open: true,
  }),
  model('flux-1.1-pro', 'flux1', capabilities(null, 1), { publicIds: ['flux-pro-1.1'] }),
  model('flux-kontext-pro', 'kontext', KONTEXT),
  model('flux-kontext-max', 'kontext', KONTEXT),
  // The open Kontext model edits only: `input_image` is required. Steps 4-50, default 30.
  model(
    'flux-kontext-dev',
    'kontext',
    withInput(capabilities({ min: 4, max: 50, default: 30 }, 1), {
      maxImages: 1,
      mask: false,
      editOnly: true,
    }),
    { open: true },
  ),
  model('flux-2-pro', 'flux2', flux2(null)),
  model('flux-2-max', 'flux2', flux2(null)),
  // Replicate's [flex] takes 10 references (BFL's API 8), and steps 1-50, default 30.
  model('flux-2-flex', 'flux2', flux2({ min: 1, max: 50, default: 30 }, 10)),
  model(
    'flux-fill-pro',
    'fill',
    withInput(fluxCapabilities(null, { min: 1, max: 50, default: 50 }), FILL_INPUT),
  ),
]

/** An `owner/name` this file does not know: prompt, ratio, seed and format only. */
export function genericModel(id: string): ReplicateModel {
  return {
    id,
    publicIds: [],
    capabilities: capabilities(null, 1),
    family: 'flux1',
    numOutputs: false,
    safetyChecker: false,
    safetyTolerance: false,
  }
}

/** Image formats worth asking for; webp (Replicate's default) is left out for older clients. */
export type OutputFormat = 'png' | 'jpg'

/** The prediction input for a fitted request: only the fields this model takes. */
export async function replicateInput(
  model: ReplicateModel,
  request: ImageRequest,
  outputFormat: OutputFormat,
): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = { prompt: request.prompt }
  const { family } = model
  const { width = 1, height = 1 } = request
  const images = request.images ?? []
  if (family === 'fill') {
    const fill = await fillInputs(images, request.mask)
    input.image = dataUri(fill.image)
    if (fill.mask) input.mask = dataUri({ bytes: fill.mask, contentType: 'image/png' })
  } else if (family === 'flux2') {
    if (images.length) input.input_images = images.map(dataUri)
    input.aspect_ratio = 'custom'
    input.width = width
    input.height = height
  } else {
    if (images[0]) input.input_image = dataUri(images[0])
    // An edit at its input's shape asks for that shape exactly.
    input.aspect_ratio = keepsInputShape(request)
      ? 'match_input_image'
      : nearestAspectRatio(width, height)
  }
  if (model.capabilities.steps && request.steps !== undefined) {
    input[family === 'flux1' || family === 'kontext' ? 'num_inference_steps' : 'steps'] =
      request.steps
  }
  if (request.seed !== undefined) input.seed = request.seed
  if (model.numOutputs) input.num_outputs = request.n
  input.output_format = request.outputFormat?.replace('jpeg', 'jpg') ?? outputFormat
  if (model.safetyChecker) input.disable_safety_checker = false
  // 2 is the API's default and BFL's own (and Kontext's most with input images); stated so a
  // changed default cannot loosen it.
  if (model.safetyTolerance) input.safety_tolerance = 2
  return input
}
