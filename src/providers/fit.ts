import type { ImageParams, ImageQuality } from '../request/fields.ts'
import type { ImageRequest, ModelCapabilities } from './types.ts'

export type FittedRequest = {
  request: ImageRequest
  /** The size the reply reports before the image is read; null when the model picks it. */
  size: { width: number; height: number } | null
  /** What was changed or dropped, for the reply and the logs. */
  warnings: string[]
}

const roundTo = (value: number, multiple: number) =>
  Math.max(multiple, Math.round(value / multiple) * multiple)

/**
 * Fits a request to a model: the size scaled (keeping its aspect ratio) into the model's range
 * and rounded to its multiple, steps clamped, unsupported fields dropped with a warning, and the
 * prompt cut at a word boundary to the model's limit.
 */
export function fitRequest(
  requested: Pick<
    ImageParams,
    | 'prompt'
    | 'negativePrompt'
    | 'width'
    | 'height'
    | 'steps'
    | 'seed'
    | 'n'
    | 'quality'
    | 'outputFormat'
  > & {
    /** An edit's first input image: its shape, at the model's default area, when no size is asked. */
    referenceSize?: { width: number; height: number }
  },
  capabilities: ModelCapabilities,
): FittedRequest {
  const warnings: string[] = []
  const request: ImageRequest = {
    prompt: cutPrompt(requested.prompt, capabilities.maxPromptLength),
    n: Math.min(requested.n, capabilities.maxImagesPerCall),
  }
  if (request.prompt.length < requested.prompt.length) {
    warnings.push(`prompt cut to ${capabilities.maxPromptLength} characters`)
  }

  let size: FittedRequest['size'] = null
  if (capabilities.size) {
    const wanted =
      requested.width && requested.height
        ? { width: requested.width, height: requested.height }
        : requested.referenceSize
          ? sameArea(requested.referenceSize, capabilities.defaultSize)
          : capabilities.defaultSize
    size = capabilities.sizes?.length
      ? nearestSize(wanted, capabilities.sizes)
      : fitSize(wanted, capabilities.size)
    if (requested.width && (size.width !== requested.width || size.height !== requested.height)) {
      warnings.push(
        `size ${requested.width}x${requested.height} fitted to ${size.width}x${size.height}`,
      )
    }
    request.width = size.width
    request.height = size.height
  } else if (requested.width) {
    warnings.push('this model does not take a size; it chose its own')
  }

  if (capabilities.steps) {
    const { min, max } = capabilities.steps
    const steps = requested.steps ?? stepsForQuality(requested.quality, capabilities.steps.default)
    request.steps = Math.min(max, Math.max(min, steps))
    if (requested.steps !== undefined && request.steps !== requested.steps) {
      warnings.push(`steps ${requested.steps} clamped to ${request.steps}`)
    }
  } else if (requested.steps !== undefined) {
    warnings.push('this model runs a fixed number of steps')
  }

  if (capabilities.seed) request.seed = requested.seed
  else if (requested.seed !== undefined) warnings.push('this model does not take a seed')

  if (requested.negativePrompt) {
    if (capabilities.negativePrompt) request.negativePrompt = requested.negativePrompt
    else warnings.push('this model does not take a negative prompt')
  }
  // Routing (generate/output-routes.ts) left only models that give the format asked for.
  if (requested.outputFormat) request.outputFormat = requested.outputFormat
  return { request, size, warnings }
}

/**
 * OpenAI's `quality` as sampling steps, for a request that names no steps: `low` half the
 * model's default, `high` and `hd` one and a half times it, the rest (`medium`, `standard`,
 * `auto`) the default. FLUX's detail grows with steps up to about its default and little after,
 * so `high` buys a modest gain at 1.5 times the time; models on a fixed schedule ignore it.
 */
export function stepsForQuality(quality: ImageQuality | undefined, defaultSteps: number): number {
  const scale = quality === 'low' ? 0.5 : quality === 'high' || quality === 'hd' ? 1.5 : 1
  return Math.round(defaultSteps * scale)
}

/** `shape` scaled to the area of `area`: an edit of a 4000x3000 photo is drawn near 1 MP, not 12. */
function sameArea(
  shape: { width: number; height: number },
  area: { width: number; height: number },
): { width: number; height: number } {
  const scale = Math.sqrt((area.width * area.height) / (shape.width * shape.height))
  return { width: Math.round(shape.width * scale), height: Math.round(shape.height * scale) }
}

function fitSize(
  wanted: { width: number; height: number },
  limits: NonNullable<ModelCapabilities['size']>,
): { width: number; height: number } {
  let { width, height } = wanted
  // Scale as a whole first so the aspect ratio survives, then clamp each side.
  const shrink = Math.min(1, limits.max / width, limits.max / height)
  const pixels = width * height * shrink * shrink
  const shrinkArea =
    limits.maxPixels && pixels > limits.maxPixels ? Math.sqrt(limits.maxPixels / pixels) : 1
  const grow = Math.max(1, limits.min / width, limits.min / height)
  const scale = shrink * shrinkArea * grow
  width = Math.min(limits.max, Math.max(limits.min, roundTo(width * scale, limits.multiple)))
  height = Math.min(limits.max, Math.max(limits.min, roundTo(height * scale, limits.multiple)))
  // Rounding may cross the limits by one multiple; pull back inside.
  while (width > limits.max) width -= limits.multiple
  while (height > limits.max) height -= limits.multiple
  while (limits.maxPixels && width * height > limits.maxPixels) {
    if (width >= height) width -= limits.multiple
    else height -= limits.multiple
  }
  return { width, height }
}

/** The allowed size closest to `wanted` in aspect ratio, then in area (both compared as logs). */
function nearestSize(
  wanted: { width: number; height: number },
  sizes: { width: number; height: number }[],
): { width: number; height: number } {
  const distance = ({ width, height }: { width: number; height: number }) => {
    // Ratios within about 1% count as equal, so area decides between same-shaped sizes.
    const ratio = Math.round(
      Math.abs(Math.log(width / height / (wanted.width / wanted.height))) * 100,
    )
    const area = Math.abs(Math.log((width * height) / (wanted.width * wanted.height)))
    return ratio * 1000 + area
  }
  return sizes.reduce((best, size) => (distance(size) < distance(best) ? size : best))
}

/** Cuts text to `limit` characters, at the last space when there is one in the final fifth. */
export function cutPrompt(prompt: string, limit: number): string {
  const characters = Array.from(prompt)
  if (characters.length <= limit) return prompt
  const cut = characters.slice(0, limit).join('')
  const space = cut.lastIndexOf(' ')
  return (space > limit * 0.8 ? cut.slice(0, space) : cut).trimEnd()
}
