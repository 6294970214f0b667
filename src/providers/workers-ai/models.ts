import { findModel } from '../models.ts'
import type { ImageRequest, InputCapabilities, ModelCapabilities, ModelSpec } from '../types.ts'

/**
 * The Workers AI text-to-image catalogue: each model with its own input schema and capabilities
 * (from the models' schema JSON in Cloudflare's docs). Replies
 * are not described here: a base64 `{image}` or raw image bytes are told apart when they arrive.
 */

/** A model plus how its inputs travel. */
export type WorkersAiModel = ModelSpec & {
  /** JSON body, or multipart/form-data (FLUX.2 takes nothing else, even for a bare prompt). */
  input: 'json' | 'multipart'
  /** The upstream's name for the step count; absent when steps are fixed and must not be sent. */
  stepsField?: 'steps' | 'num_steps'
}

export type CatalogueOptions = {
  /**
   * FLUX_NUM_STEPS: the default step count of the few-step (distilled) models. Many-step models
   * keep their own defaults, since 4 steps of SDXL base or FLUX.2 dev make a blurred picture.
   */
  numSteps: number
  /** FLUX_MODEL: listed first, so it is the default model; an unknown id is served generically. */
  model?: string
  /** Upstream ids (or public ids) to serve; all when absent. */
  only?: string[]
}

type Template = Omit<WorkersAiModel, 'capabilities'> & {
  capabilities: Omit<ModelCapabilities, 'steps'> & {
    steps: { min: number; max: number; default: number | 'few-step' } | null
  }
}

const common = { seed: true, maxPromptLength: 2048, maxImagesPerCall: 1 }
const square = (side: number) => ({ width: side, height: side })
/** FLUX.2 on Workers AI: width and height 256-1920 (multiples of 16, as BFL's FLUX.2 API wants). */
const flux2Size = { min: 256, max: 1920, multiple: 16 }
/**
 * Every FLUX.2 model here takes up to 4 reference images, as the binary form fields
 * `input_image_0` to `input_image_3` (the FLUX.2 [dev] and [klein] launch notes); this host's
 * limit, below BFL's own for [dev]. A prompt alone still draws.
 */
export const WORKERS_AI_FLUX2_INPUT: InputCapabilities = {
  maxImages: 4,
  mask: false,
  editOnly: false,
}
const sdSize = { min: 256, max: 2048, multiple: 8 }

const flux2 = (id: string, publicIds: string[], steps: boolean): Template => ({
  id,
  publicIds,
  input: 'multipart',
  stepsField: steps ? 'steps' : undefined,
  capabilities: {
    ...common,
    size: flux2Size,
    defaultSize: square(1024),
    // klein runs a fixed 4-step schedule; dev's default follows BFL's FLUX dev API (28).
    steps: steps ? { min: 1, max: 50, default: 28 } : null,
    negativePrompt: false,
    input: WORKERS_AI_FLUX2_INPUT,
  },
})

const stableDiffusion = (
  id: string,
  publicIds: string[],
  steps: { min: number; max: number; default: number | 'few-step' },
  side = 1024,
): Template => ({
  id,
  publicIds,
  input: 'json',
  stepsField: 'num_steps',
  capabilities: { ...common, size: sdSize, defaultSize: square(side), steps, negativePrompt: true },
})

const TEMPLATES: Template[] = [
  {
    // No width/height at all (Flux-API-Worker's sizes were silently ignored): the image says its size.
    id: '@cf/black-forest-labs/flux-1-schnell',
    publicIds: ['flux-schnell', 'flux-1-schnell'],
    input: 'json',
    stepsField: 'steps',
    capabilities: {
      ...common,
      size: null,
      defaultSize: square(1024),
      steps: { min: 1, max: 8, default: 'few-step' },
      negativePrompt: false,
      outputFormats: ['jpeg'],
    },
  },
  flux2('@cf/black-forest-labs/flux-2-klein-4b', ['flux-2-klein-4b', 'flux-2-klein'], false),
  flux2('@cf/black-forest-labs/flux-2-klein-9b', ['flux-2-klein-9b'], false),
  flux2('@cf/black-forest-labs/flux-2-dev', ['flux-2-dev'], true),
  {
    id: '@cf/leonardo/lucid-origin',
    publicIds: ['lucid-origin'],
    input: 'json',
    stepsField: 'steps',
    capabilities: {
      ...common,
      size: { min: 256, max: 2500, multiple: 8 },
      defaultSize: square(1024),
      steps: { min: 1, max: 40, default: 20 },
      negativePrompt: false,
    },
  },
  stableDiffusion('@cf/leonardo/phoenix-1.0', ['phoenix-1.0', 'phoenix'], {
    min: 1,
    max: 50,
    default: 25,
  }),
  stableDiffusion('@cf/bytedance/stable-diffusion-xl-lightning', ['sdxl-lightning'], {
    min: 1,
    max: 20,
    default: 'few-step',
  }),
  stableDiffusion('@cf/stabilityai/stable-diffusion-xl-base-1.0', ['sdxl-base', 'sdxl'], {
    min: 1,
    max: 20,
    default: 20,
  }),
  // Dreamshaper 8 is a Stable Diffusion 1.5 model: 512 px is its native size.
  stableDiffusion(
    '@cf/lykon/dreamshaper-8-lcm',
    ['dreamshaper-8-lcm', 'dreamshaper'],
    { min: 1, max: 20, default: 'few-step' },
    512,
  ),
]

/** A model this catalogue does not know (a newer FLUX_MODEL): schnell's JSON schema, no size. */
function genericTemplate(id: string): Template {
  const name = id.split('/').pop() || id
  return {
    ...TEMPLATES[0]!,
    id,
    publicIds: [name],
    capabilities: { ...TEMPLATES[0]!.capabilities },
  }
}

/** The models one Workers AI entry serves, FLUX_MODEL first. */
export function workersAiModels(options: CatalogueOptions): WorkersAiModel[] {
  const wanted = options.only ?? TEMPLATES.map((template) => template.id)
  const templates = wanted.map((id) => findModel(TEMPLATES, id) ?? genericTemplate(id))
  if (options.model) {
    const preferred =
      findModel(templates, options.model) ??
      (options.only ? undefined : genericTemplate(options.model))
    if (preferred) templates.unshift(preferred)
  }
  return [...new Set(templates)].map((template) => resolve(template, options.numSteps))
}

function resolve(template: Template, numSteps: number): WorkersAiModel {
  const { steps } = template.capabilities
  return {
    ...template,
    capabilities: {
      ...template.capabilities,
      steps: steps && {
        ...steps,
        default: Math.min(
          steps.max,
          Math.max(steps.min, steps.default === 'few-step' ? numSteps : steps.default),
        ),
      },
    },
  }
}

/**
 * The upstream inputs for a fitted request: only fields this model accepts, by its names. Input
 * images are not among them: they travel as files (rest.ts `toFormData`), on multipart models only.
 */
export function buildInputs(
  model: WorkersAiModel,
  request: ImageRequest,
): Record<string, string | number> {
  const inputs: Record<string, string | number> = { prompt: request.prompt }
  if (model.capabilities.size && request.width && request.height) {
    inputs.width = request.width
    inputs.height = request.height
  }
  if (model.stepsField && request.steps !== undefined) inputs[model.stepsField] = request.steps
  if (request.seed !== undefined && model.capabilities.seed) inputs.seed = request.seed
  if (request.negativePrompt && model.capabilities.negativePrompt) {
    inputs.negative_prompt = request.negativePrompt
  }
  return inputs
}
