import { encodeBase64 } from '../../bytes/base64.ts'
import { keepsInputShape, nearestAspectRatio } from '../aspect-ratio.ts'
import {
  BFL_FLUX1_SIZE,
  BFL_FLUX2_SIZE,
  DEV_STEPS,
  FILL_INPUT,
  FLUX2_INPUT,
  FLUX2_KLEIN_INPUT,
  fluxCapabilities,
  KONTEXT_INPUT,
  RATIO_SIZE,
} from '../flux-capabilities.ts'
import { fillInputs } from '../input-images.ts'
import { unknownModels } from '../models.ts'
import type { ImageRequest, InputCapabilities, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Black Forest Labs' own API (docs.bfl.ai). The model id is the endpoint: `POST /v1/{id}`.
 * FLUX1.1 [pro] and FLUX.1 [dev] take width and height 256-1440 in multiples of 32; FLUX.2 takes
 * multiples of 16 from 64 up to 4 MP and `input_image`, `input_image_2`... to edit; Kontext takes
 * an `aspect_ratio` instead of a size; FLUX.1 Fill takes `image` and `mask`. Images go as base64.
 */

/** One task makes one image; the pool runs n tasks in parallel. */
const flux1 = (steps: ModelCapabilities['steps']) => fluxCapabilities(BFL_FLUX1_SIZE, steps)
const FLUX2 = fluxCapabilities(BFL_FLUX2_SIZE, null)
const flux2 = (input: InputCapabilities, steps: ModelCapabilities['steps'] = null) => ({
  ...fluxCapabilities(BFL_FLUX2_SIZE, steps),
  input,
})
const KONTEXT = { ...fluxCapabilities(RATIO_SIZE, null), input: KONTEXT_INPUT }

/** An endpoint, by default public under its own name. */
const endpoint = (id: string, capabilities: ModelCapabilities, publicIds = [id]): ModelSpec => ({
  id,
  publicIds,
  capabilities,
})

/** The endpoints this provider knows; others named in config are served as FLUX.2 ones. */
export const BFL_MODELS: ModelSpec[] = [
  endpoint('flux-pro-1.1', flux1(null)),
  endpoint('flux-dev', flux1(DEV_STEPS), ['flux-dev', 'flux-1-dev']),
  endpoint('flux-2-pro', flux2(FLUX2_INPUT)),
  endpoint('flux-2-max', flux2(FLUX2_INPUT)),
  // [flex] alone takes steps (1-50, default 50).
  endpoint('flux-2-flex', flux2(FLUX2_INPUT, { min: 1, max: 50, default: 50 })),
  endpoint('flux-2-klein-4b', flux2(FLUX2_KLEIN_INPUT), ['flux-2-klein-4b', 'flux-2-klein']),
  endpoint('flux-2-klein-9b', flux2(FLUX2_KLEIN_INPUT)),
  endpoint('flux-kontext-pro', KONTEXT),
  endpoint('flux-kontext-max', KONTEXT),
  // Repaints at the image's own size, with 15-50 steps.
  endpoint(
    'flux-pro-1.0-fill',
    { ...fluxCapabilities(null, { min: 15, max: 50, default: 50 }), input: FILL_INPUT },
    ['flux-fill-pro'],
  ),
]

/** An endpoint id this file does not know, served as a FLUX.2 one (text only). */
export const genericModel = unknownModels(FLUX2)

/** The submit body for a fitted request. */
export async function bflInput(
  model: ModelSpec,
  request: ImageRequest,
): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = { prompt: request.prompt }
  const { width, height } = request
  if (model.id.includes('fill')) {
    const fill = await fillInputs(request.images ?? [], request.mask)
    input.image = encodeBase64(fill.image.bytes)
    if (fill.mask) input.mask = encodeBase64(fill.mask)
  } else {
    for (const [index, image] of (request.images ?? []).entries()) {
      input[index ? `input_image_${index + 1}` : 'input_image'] = encodeBase64(image.bytes)
    }
    if (model.id.includes('kontext')) {
      // Without a ratio, Kontext keeps its input image's: exact, where a listed ratio is not.
      if (width && height && !keepsInputShape(request)) {
        input.aspect_ratio = nearestAspectRatio(width, height)
      }
    } else if (width && height) {
      input.width = width
      input.height = height
    }
  }
  if (model.capabilities.steps && request.steps !== undefined) input.steps = request.steps
  if (request.seed !== undefined) input.seed = request.seed
  // 2 is BFL's default: stated so a changed default cannot loosen it.
  input.safety_tolerance = 2
  input.output_format = request.outputFormat ?? 'jpeg'
  return input
}
