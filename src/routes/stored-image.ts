import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'
import { notFound } from '../errors.ts'
import { isImageKey } from '../storage/keys.ts'
import type { StoredImage } from '../storage/types.ts'

const missing = () =>
  notFound(
    'This image does not exist or has expired. Images are kept for a limited time.',
    'image_not_found',
  )

/**
 * The response for a stored image: its true type, a strong ETag (bytes under a key never
 * change), and a cache lifetime no longer than the image has left to live.
 */
export function imageResponse(
  key: string,
  image: StoredImage,
  request: Request,
  now: number,
): Response {
  const etag = `"${key}"`
  const maxAge = Math.max(0, Math.floor((image.meta.expiresAt - now) / 1000))
  const headers = new Headers({
    'Content-Type': image.meta.contentType,
    ETag: etag,
    'Cache-Control': `public, max-age=${maxAge}, immutable`,
    'Last-Modified': new Date(image.meta.createdAt).toUTCString(),
  })
  const matches = request.headers
    .get('If-None-Match')
    ?.split(',')
    .some((tag) => tag.trim() === etag || tag.trim() === '*')
  if (matches) {
    cancel(image.body)
    return new Response(null, { status: 304, headers })
  }
  headers.set('Content-Length', String(image.size))
  if (request.method === 'HEAD') {
    cancel(image.body)
    return new Response(null, { status: 200, headers })
  }
  return new Response(image.body as BodyInit, { status: 200, headers })
}

/** Releases a stream we will not read (an open file on Node). */
function cancel(body: StoredImage['body']): void {
  if (body instanceof ReadableStream) body.cancel().catch(() => {})
}

/** `GET|HEAD /image/{key}`: a stored image. No auth: keys carry 128 random bits. */
export function storedImageRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.on(['GET', 'HEAD'], '/image/:key', async (c) => {
    const { storage, now } = c.get('gateway')
    const key = c.req.param('key')
    // Validated before any driver sees it: a key can never name a path.
    if (!storage || !isImageKey(key)) throw missing()
    const image = await storage.get(key)
    if (!image) throw missing()
    return imageResponse(key, image, c.req.raw, now())
  })
  return routes
}
