import { DEV_STEPS, fluxCapabilities } from '../flux-capabilities.ts'
import type { ImageRequest, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Replicate's official FLUX models (their API schemas on replicate.com). None takes a width or
 * height: they take `aspect_ratio` from a fixed list and pick the pixels themselves (about 1 MP).
 * The capabilities still declare a free size, so a request's shape survives fitting; the provider
 * turns it into the nearest listed ratio, and the reply reports the real size read from the image.
 */

/** The ratios every FLUX model on Replicate accepts. */
export const ASPECT_RATIOS = [
  '1:1',
  '16:9',
  '21:9',
  '3:2',
  '2:3',
  '4:5',
  '5:4',
  '3:4',
  '4:3',
  '9:16',
  '9:21',
] as const
export type AspectRatio = (typeof ASPECT_RATIOS)[number]

/** A model plus the optional inputs it has, since unknown fields fail Replicate's validation. */
export type ReplicateModel = ModelSpec & {
  /** `num_outputs` (1-4) rather than one image per prediction. */
  numOutputs: boolean
  /** `disable_safety_checker` (schnell, dev); pro has `safety_tolerance` instead. */
  safetyChecker: boolean
  safetyTolerance: boolean
}

/** Only the shape matters: every multiple of 1 keeps the ratio exact through fitting. */
const RATIO_SIZE = { min: 64, max: 4096, multiple: 1 }

const capabilities = (steps: ModelCapabilities['steps'], maxImagesPerCall: number) =>
  fluxCapabilities(RATIO_SIZE, steps, maxImagesPerCall)

/** The models this provider knows; others named in config get the generic treatment. */
export const REPLICATE_MODELS: ReplicateModel[] = [
  {
    id: 'black-forest-labs/flux-schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    capabilities: capabilities({ min: 1, max: 4, default: 4 }, 4),
    numOutputs: true,
    safetyChecker: true,
    safetyTolerance: false,
  },
  {
    id: 'black-forest-labs/flux-dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: capabilities(DEV_STEPS, 4),
    numOutputs: true,
    safetyChecker: true,
    safetyTolerance: false,
  },
  {
    id: 'black-forest-labs/flux-1.1-pro',
    publicIds: ['flux-pro-1.1'],
    capabilities: capabilities(null, 1),
    numOutputs: false,
    safetyChecker: false,
    safetyTolerance: true,
  },
]

/** An `owner/name` this file does not know: prompt, ratio, seed and format only. */
export function genericModel(id: string): ReplicateModel {
  return {
    id,
    publicIds: [],
    capabilities: capabilities(null, 1),
    numOutputs: false,
    safetyChecker: false,
    safetyTolerance: false,
  }
}

/** The listed ratio closest to `width:height` on a log scale (so 2:1 is as far as 1:2). */
export function nearestAspectRatio(width: number, height: number): AspectRatio {
  const wanted = Math.log(width / height)
  let best: AspectRatio = '1:1'
  let distance = Number.POSITIVE_INFINITY
  for (const ratio of ASPECT_RATIOS) {
    const [w, h] = ratio.split(':').map(Number) as [number, number]
    const gap = Math.abs(Math.log(w / h) - wanted)
    if (gap < distance - 1e-9) {
      best = ratio
      distance = gap
    }
  }
  return best
}

/** True when `ratio` is exactly `width:height`. */
export function isExactRatio(ratio: AspectRatio, width: number, height: number): boolean {
  const [w, h] = ratio.split(':').map(Number) as [number, number]
  return width * h === height * w
}

/** Image formats worth asking for; webp (Replicate's default) is left out for older clients. */
export type OutputFormat = 'png' | 'jpg'

/** The prediction input for a fitted request: only the fields this model takes. */
export function replicateInput(
  model: ReplicateModel,
  request: ImageRequest,
  outputFormat: OutputFormat,
): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: request.prompt }
  input.aspect_ratio = nearestAspectRatio(request.width ?? 1, request.height ?? 1)
  if (model.capabilities.steps && request.steps !== undefined) {
    input.num_inference_steps = request.steps
  }
  if (request.seed !== undefined) input.seed = request.seed
  if (model.numOutputs) input.num_outputs = request.n
  input.output_format = request.outputFormat?.replace('jpeg', 'jpg') ?? outputFormat
  if (model.safetyChecker) input.disable_safety_checker = false
  // 2 is the API's default and BFL's own; stated so a changed default cannot loosen it.
  if (model.safetyTolerance) input.safety_tolerance = 2
  return input
}
