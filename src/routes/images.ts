import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import { generateImages } from '../generate/index.ts'
import { checkRoutes } from '../generate/output-routes.ts'
import { readJsonObject } from '../http/body.ts'
import { readFormOrJson } from '../http/form-body.ts'
import { ownOrigins, publicOrigin } from '../http/origin.ts'
import { partsResponse } from '../http/parts-body.ts'
import { runSignal } from '../http/run-signal.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import { parseEditsBody, parseVariationsBody } from '../request/edits.ts'
import { type ImagesCall, parseImagesBody } from '../request/images.ts'
import type { AppEnv } from '../services.ts'
import { imagesReplyParts } from './images-reply.ts'
import { imageEventStream } from './images-stream.ts'

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
      // A stream's events and a `b64_json` reply carry the images themselves, never a link.
      inlineOnly: call.stream || responseFormat === 'b64_json',
    })
    // The prompt is dropped by the request log unless LOG_PROMPTS=true.
    addLogFields(c, { ...generationLogFields(result), prompt: result.prompt })
    return result
  }
  if (call.stream) return imageEventStream(c, { kind, quality: image.quality, generate })
  const result = await generate(runSignal(c))
  const parts = imagesReplyParts(result, {
    format: responseFormat,
    quality: image.quality,
    origin: publicOrigin(c.req.raw, services.config.publicUrl),
    now: services.now(),
  })
  const headers = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }
  return partsResponse(c, parts, headers, services.partsResponse)
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
