import type { ImageRequest, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * Black Forest Labs' own API (docs.bfl.ai; reference/providers.md section 6). The model id is the
 * endpoint: `POST /v1/{id}`. FLUX1.1 [pro] and FLUX.1 [dev] take width and height 256-1440 in
 * multiples of 32; FLUX.2 takes multiples of 16 from 64 up to 4 MP. Only dev takes `steps`.
 */

const FLUX1_SIZE = { min: 256, max: 1440, multiple: 32 }
const FLUX2_SIZE = { min: 64, max: 2048, multiple: 16, maxPixels: 2048 * 2048 }

const capabilities = (
  size: NonNullable<ModelCapabilities['size']>,
  steps: ModelCapabilities['steps'],
): ModelCapabilities => ({
  size,
  defaultSize: { width: 1024, height: 1024 },
  steps,
  seed: true,
  negativePrompt: false,
  maxPromptLength: 2048,
  // One task makes one image; the pool runs n tasks in parallel.
  maxImagesPerCall: 1,
})

/** The endpoints this provider knows; others named in config are served as FLUX.2 ones. */
export const BFL_MODELS: ModelSpec[] = [
  {
    id: 'flux-pro-1.1',
    publicIds: ['flux-pro-1.1'],
    capabilities: capabilities(FLUX1_SIZE, null),
  },
  {
    id: 'flux-dev',
    publicIds: ['flux-dev', 'flux-1-dev'],
    capabilities: capabilities(FLUX1_SIZE, { min: 1, max: 50, default: 28 }),
  },
  { id: 'flux-2-pro', publicIds: ['flux-2-pro'], capabilities: capabilities(FLUX2_SIZE, null) },
  { id: 'flux-2-max', publicIds: ['flux-2-max'], capabilities: capabilities(FLUX2_SIZE, null) },
  {
    id: 'flux-2-klein-4b',
    publicIds: ['flux-2-klein-4b', 'flux-2-klein'],
    capabilities: capabilities(FLUX2_SIZE, null),
  },
  {
    id: 'flux-2-klein-9b',
    publicIds: ['flux-2-klein-9b'],
    capabilities: capabilities(FLUX2_SIZE, null),
  },
]

/** The specs for the configured endpoint ids (or public ids), or the whole catalogue. */
export function resolveModels(ids: string[] | undefined): ModelSpec[] {
  if (!ids?.length) return BFL_MODELS
  const specs = ids.map(
    (id): ModelSpec =>
      BFL_MODELS.find((model) => model.id === id || model.publicIds.includes(id)) ?? {
        id,
        publicIds: [],
        capabilities: capabilities(FLUX2_SIZE, null),
      },
  )
  return specs.filter((spec, index) => specs.findIndex((other) => other.id === spec.id) === index)
}

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
  input.output_format = 'jpeg'
  return input
}
