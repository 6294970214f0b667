import { Hono } from 'hono'
import * as z from 'zod'
import { encodeBase64 } from '../bytes/base64.ts'
import { badRequest } from '../errors.ts'
import { assertPrompt, type GenerationResult, generateImages } from '../generate/index.ts'
import { readJsonObject } from '../http/body.ts'
import { publicOrigin } from '../http/origin.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import type { AppEnv } from '../services.ts'

/** Sides outside this range are a client mistake, not something to fit (`1x1`, `99999x2`). */
const MIN_SIDE = 64
const MAX_SIDE = 4096
const MAX_SEED = 2 ** 32 - 1

/**
 * A whole number in [min, max]. Numbers may arrive as strings from form-driven clients; `null`
 * means "not given".
 */
const wholeNumber = (name: string, min: number, max: number, rule?: string) => {
  const message = `${name} must be ${rule ?? `a whole number from ${min} to ${max}`}.`
  return z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number({ error: message }).int(message).min(min, message).max(max, message).nullish(),
  )
}

const size = z
  .string({ error: 'size must be a string like "1024x768" or "auto".' })
  .nullish()
  .transform((value, ctx) => {
    const text = value?.trim().toLowerCase()
    if (!text || text === 'auto') return undefined
    // `x` is OpenAI's form; `*` and `×` appear in some Chinese providers' APIs.
    const match = /^(\d{1,5})\s*[x*×]\s*(\d{1,5})$/.exec(text)
    const width = Number(match?.[1])
    const height = Number(match?.[2])
    if (!match || [width, height].some((side) => side < MIN_SIDE || side > MAX_SIDE)) {
      ctx.addIssue({
        code: 'custom',
        message: `size must be "WIDTHxHEIGHT" with each side between ${MIN_SIDE} and ${MAX_SIDE} (e.g. "1024x768"), or "auto"; got "${String(value).slice(0, 40)}".`,
      })
      return z.NEVER
    }
    return { width, height }
  })

/**
 * The request body of `POST /v1/images/generations`: OpenAI's fields plus the SiliconFlow /
 * Cherry Studio aliases. Unknown fields (`quality`, `style`, `user`, `guidance_scale`, ...) are
 * stripped, so clients that send extras are never refused for them.
 */
const imagesBody = z.object({
  prompt: z.string({ error: 'prompt must be a string.' }).nullish(),
  model: z.string({ error: 'model must be a string.' }).nullish(),
  n: wholeNumber('n', 1, 4),
  batch_size: wholeNumber('batch_size', 1, 4),
  size,
  image_size: size,
  response_format: z
    .enum(['url', 'b64_json'], { error: 'response_format must be "url" or "b64_json".' })
    .nullish(),
  seed: wholeNumber('seed', -1, MAX_SEED, `-1 (random) or a whole number from 0 to ${MAX_SEED}`),
  steps: wholeNumber('steps', 1, 200),
  num_inference_steps: wholeNumber('num_inference_steps', 1, 200),
  negative_prompt: z.string({ error: 'negative_prompt must be a string.' }).nullish(),
  /** Non-standard: the playground's "optimize prompt" toggle (seed 004's `optimization`). */
  optimization: z
    .union([z.boolean(), z.literal(0), z.literal(1), z.enum(['0', '1', 'true', 'false'])], {
      error: 'optimization must be true or false.',
    })
    .nullish()
    .transform((value) => value === true || value === 1 || value === '1' || value === 'true'),
})

export type ImagesRequest = {
  prompt: string
  model: string | undefined
  n: number
  width?: number
  height?: number
  seed: number | undefined
  steps: number | undefined
  negativePrompt: string | undefined
  optimize: boolean
  /** Absent in the request: answer with both `url` and `b64_json`. */
  responseFormat: 'url' | 'b64_json' | 'both'
}

/** Validates a body into an ImagesRequest, or throws a 400 naming the field at fault. */
export function parseImagesRequest(body: Record<string, unknown>): ImagesRequest {
  const parsed = imagesBody.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const param = String(issue.path[0] ?? '')
    const message = issue.message.includes(param) ? issue.message : `${param}: ${issue.message}`
    throw badRequest(message, param || undefined)
  }
  const input = parsed.data
  return {
    prompt: assertPrompt(input.prompt ?? undefined),
    model: input.model?.trim() || undefined,
    n: input.n ?? input.batch_size ?? 1,
    ...(input.size ?? input.image_size),
    seed: input.seed === -1 ? undefined : (input.seed ?? undefined),
    steps: input.steps ?? input.num_inference_steps ?? undefined,
    negativePrompt: input.negative_prompt?.trim() || undefined,
    optimize: input.optimization,
    responseFormat: input.response_format ?? 'both',
  }
}

type ImageItem = { url?: string; b64_json?: string; revised_prompt?: string }

/** OpenAI's reply, plus top-level fields the SDKs ignore and the playground shows. */
export function imagesReply(
  result: GenerationResult,
  options: { format: ImagesRequest['responseFormat']; origin: string; now: number },
) {
  const { format, origin } = options
  const revised = result.finalPrompt !== result.prompt ? result.finalPrompt : undefined
  const data = result.images.map((image): ImageItem => {
    const item: ImageItem = {}
    const b64 = format !== 'url' || !image.key ? encodeBase64(image.bytes) : undefined
    if (format !== 'b64_json') {
      // Without storage there is no URL to hand out; a data URI is the only "url" possible.
      if (image.key) item.url = `${origin}/image/${image.key}`
      else if (format === 'url') item.url = `data:${image.contentType};base64,${b64}`
    }
    if (format !== 'url') item.b64_json = b64
    if (revised) item.revised_prompt = revised
    return item
  })
  const first = result.images[0]
  return {
    created: Math.floor(options.now / 1000),
    data,
    model: result.model,
    provider: result.provider,
    seed: result.seed ?? null,
    size: first ? `${first.width}x${first.height}` : null,
    prompt_model: result.promptModel,
    elapsed_ms: result.elapsedMs,
    expires_at: Math.floor(result.expiresAt / 1000),
    warnings: result.promptNote ? [...result.warnings, result.promptNote] : result.warnings,
  }
}

/** `POST /v1/images/generations`, on every accepted path spelling. */
export function imagesRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.post('/v1/images/generations', async (c) => {
    const services = c.get('services')
    const request = parseImagesRequest(await readJsonObject(c))
    const { responseFormat, ...input } = request
    const result = await generateImages(services, { ...input, signal: c.req.raw.signal })
    // The prompt is dropped by the request log unless LOG_PROMPTS=true.
    addLogFields(c, { ...generationLogFields(result), prompt: result.prompt })
    const reply = imagesReply(result, {
      format: responseFormat,
      origin: publicOrigin(c.req.raw, services.config.publicUrl),
      now: services.now(),
    })
    return c.json(reply, 200, { 'Cache-Control': 'no-store' })
  })
  return routes
}
