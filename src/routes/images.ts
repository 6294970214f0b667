import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import { encodeBase64 } from '../bytes/base64.ts'
import { type GenerationResult, generateImages } from '../generate/index.ts'
import { checkRoutes } from '../generate/output-routes.ts'
import { readJsonObject } from '../http/body.ts'
import { readFormOrJson } from '../http/form-body.ts'
import { ownOrigins, publicOrigin } from '../http/origin.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import { parseEditsBody, parseVariationsBody } from '../request/edits.ts'
import type { ImageQuality } from '../request/fields.ts'
import { type ImagesCall, type ImagesResponseFormat, parseImagesBody } from '../request/images.ts'
import type { AppEnv } from '../services.ts'
import { imageEventStream, outputEcho } from './images-stream.ts'

type ImageItem = { url?: string; b64_json?: string; revised_prompt?: string }

/** OpenAI's reply, plus top-level fields the SDKs ignore and the playground shows. */
export function imagesReply(
  result: GenerationResult,
  options: {
    format: ImagesResponseFormat
    quality: ImageQuality | undefined
    origin: string
    now: number
  },
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
    ...outputEcho(first, options.quality),
    prompt_model: result.promptModel,
    elapsed_ms: result.elapsedMs,
    expires_at: Math.floor(result.expiresAt / 1000),
    warnings: result.promptNote ? [...result.warnings, result.promptNote] : result.warnings,
  }
}

/**
 * Answers an Images API call, whichever door it came in by, as JSON or (`stream: true`) as
 * events of `kind`. An edit no model can take (a mask, too many images), a format or background
 * no model gives, and an unknown model are refused before the client's quota is counted.
 */
async function answerImages(
  c: Context<AppEnv>,
  call: ImagesCall,
  kind: 'image_generation' | 'image_edit',
): Promise<Response> {
  const services = c.get('services')
  const { image, optimize, responseFormat } = call
  checkRoutes(services.catalogue, image)
  await limitApiGeneration(c)
  const generate = async (signal: AbortSignal) => {
    const result = await generateImages(services, {
      ...image,
      optimize,
      signal,
      origins: ownOrigins(c.req.raw, services.config.publicUrl),
    })
    // The prompt is dropped by the request log unless LOG_PROMPTS=true.
    addLogFields(c, { ...generationLogFields(result), prompt: result.prompt })
    return result
  }
  if (call.stream) return imageEventStream(c, { kind, quality: image.quality, generate })
  const result = await generate(c.req.raw.signal)
  const reply = imagesReply(result, {
    format: responseFormat,
    quality: image.quality,
    origin: publicOrigin(c.req.raw, services.config.publicUrl),
    now: services.now(),
  })
  return c.json(reply, 200, { 'Cache-Control': 'no-store' })
}

/**
 * `POST /v1/images/generations`, `/v1/images/edits` and `/v1/images/variations`, on every
 * accepted path spelling. Edits and variations take OpenAI's multipart form or JSON.
 */
export function imagesRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.post('/v1/images/generations', async (c) =>
    answerImages(c, parseImagesBody(await readJsonObject(c)), 'image_generation'),
  )
  routes.post('/v1/images/edits', async (c) =>
    answerImages(c, parseEditsBody(await readFormOrJson(c)), 'image_edit'),
  )
  routes.post('/v1/images/variations', async (c) =>
    answerImages(c, parseVariationsBody(await readFormOrJson(c)), 'image_edit'),
  )
  return routes
}
