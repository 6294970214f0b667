import { Hono } from 'hono/tiny'
import { GatewayError } from '../errors.ts'
import { readInputImages } from '../generate/input-images.ts'
import { readFormOrJson } from '../http/form-body.ts'
import { publicOrigin } from '../http/origin.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { parseUploadBody } from '../request/uploads.ts'
import type { AppEnv } from '../services.ts'
import { newImageKey } from '../storage/keys.ts'

/**
 * `POST /v1/uploads`: keeps an input image in the image store for IMAGE_EXPIRATION, so callers
 * that can only pass links (the direct URL, tools) can edit it. The answer's `url` is the
 * gateway's own `/image/{id}`, which the edit doors read from the store, never over HTTP; its
 * `id` is that storage key, accepted as `{"file_id": id}` in JSON edits. Not OpenAI's `uploads`
 * (multipart upload sessions for its Files API): a different shape under the same path.
 */

const noStorage = () =>
  new GatewayError(
    501,
    'uploads_unavailable',
    'This gateway has no image storage for uploads; send the image with the edit instead.',
    { retryable: false },
  )

export function uploadRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.post('/v1/uploads', async (c) => {
    const services = c.get('services')
    const { storage, config, now } = services
    const source = parseUploadBody(await readFormOrJson(c))
    if (!storage) throw noStorage()
    // Sniffed and capped like every input image; nothing is stored unless all of it is good.
    const [image] = await readInputImages(services, [source], 'file', {
      ownOrigins: [],
      signal: c.req.raw.signal,
    })
    // An upload spends storage, not an upstream call; it counts only where generation does:
    // from anonymous clients of an open gateway, whose uploads would otherwise fill the disk.
    await limitApiGeneration(c)
    const { bytes, contentType, width, height } = image!
    const key = newImageKey()
    const createdAt = now()
    const expiresAt = createdAt + config.imageExpirationSeconds * 1000
    await storage.put(key, bytes, {
      contentType,
      width,
      height,
      prompt: '',
      finalPrompt: '',
      model: 'upload',
      provider: 'upload',
      createdAt,
      expiresAt,
    })
    return c.json(
      {
        id: key,
        object: 'upload',
        url: `${publicOrigin(c.req.raw, config.publicUrl)}/image/${key}`,
        expires_at: Math.floor(expiresAt / 1000),
        content_type: contentType,
        width,
        height,
        bytes: bytes.length,
      },
      200,
      { 'Cache-Control': 'no-store' },
    )
  })
  return routes
}
