import {
  BFL_FLUX1_SIZE,
  BFL_FLUX2_SIZE,
  DEV_STEPS,
  fluxCapabilities,
} from '../flux-capabilities.ts'
import { unknownModels } from '../models.ts'
import type { ImageRequest, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Black Forest Labs' own API (docs.bfl.ai). The model id is the
 * endpoint: `POST /v1/{id}`. FLUX1.1 [pro] and FLUX.1 [dev] take width and height 256-1440 in
 * multiples of 32; FLUX.2 takes multiples of 16 from 64 up to 4 MP. Only dev takes `steps`.
 */

/** One task makes one image; the pool runs n tasks in parallel. */
const flux1 = (steps: ModelCapabilities['steps']) => fluxCapabilities(BFL_FLUX1_SIZE, steps)
const FLUX2 = fluxCapabilities(BFL_FLUX2_SIZE, null)

/** The endpoints this provider knows; others named in config are served as FLUX.2 ones. */
export const BFL_MODELS: ModelSpec[] = [
  {
    id: 'flux-pro-1.1',
    publicIds: ['flux-pro-1.1'],
    capabilities: flux1(null),
  },
  {
    id: 'flux-dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: flux1(DEV_STEPS),
  },
  { id: 'flux-2-pro', publicIds: ['flux-2-pro'], capabilities: FLUX2 },
  { id: 'flux-2-max', publicIds: ['flux-2-max'], capabilities: FLUX2 },
  {
    id: 'flux-2-klein-4b',
    publicIds: ['flux-2-klein-4b', 'flux-2-klein'],
    capabilities: FLUX2,
  },
  {
    id: 'flux-2-klein-9b',
    publicIds: ['flux-2-klein-9b'],
    capabilities: FLUX2,
  },
]

/** An endpoint id this file does not know, served as a FLUX.2 one. */
export const genericModel = unknownModels(FLUX2)

/** The submit body for a fitted request. */
export function bflInput(model: ModelSpec, request: ImageRequest): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: request.prompt }
  if (request.width && request.height) {
    input.width = request.width
    input.height = request.height
  }
  if (model.capabilities.steps && request.steps !== undefined) input.steps = request.steps
  if (request.seed !== undefined) input.seed = request.seed
  // 2 is BFL's default: stated so a changed default cannot loosen it.
  input.safety_tolerance = 2
  input.output_format = request.outputFormat ?? 'jpeg'
  return input
}
