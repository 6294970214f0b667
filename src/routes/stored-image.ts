import { Hono } from 'hono/tiny'
import { concatBytes } from '../bytes/concat.ts'
import { notFound } from '../errors.ts'
import { sniffContentType } from '../image/sniff.ts'
import type { AppEnv } from '../services.ts'
import { isImageKey } from '../storage/keys.ts'
import type { StoredImage } from '../storage/types.ts'

const missing = () =>
  notFound(
    'This image does not exist or has expired. Images are kept for a limited time.',
    'image_not_found',
  )

/**
 * The response for a stored image: its true type (sniffed from the first bytes; the stored label
 * only when the bytes are not a known format), a strong ETag (bytes under a key never change),
 * and a cache lifetime no longer than the image has left to live.
 */
export async function imageResponse(
  key: string,
  image: StoredImage,
  request: Request,
  now: number,
): Promise<Response> {
  const { head, body } = await peek(image.body)
  const etag = `"${key}"`
  const maxAge = Math.max(0, Math.floor((image.meta.expiresAt - now) / 1000))
  // A plain record: Node's adapter writes it as it is, where a Headers would be copied out again.
  const headers: Record<string, string> = {
    'Content-Type': sniffContentType(head) ?? image.meta.contentType,
    ETag: etag,
    'Cache-Control': `public, max-age=${maxAge}, immutable`,
    'Last-Modified': new Date(image.meta.createdAt).toUTCString(),
  }
  if (etagMatches(request, etag)) {
    cancel(body)
    return new Response(null, { status: 304, headers })
  }
  headers['Content-Length'] = String(image.size)
  if (request.method === 'HEAD') {
    cancel(body)
    return new Response(null, { status: 200, headers })
  }
  return new Response(body as BodyInit, { status: 200, headers })
}

/** Whether the request's If-None-Match names `etag`: the client's copy is current (304). */
export function etagMatches(request: Request, etag: string): boolean {
  // If-None-Match uses the weak comparison (RFC 9110 13.1.2): a `W/` prefix still matches.
  return (
    request.headers
      .get('If-None-Match')
      ?.split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === etag || tag === '*') ?? false
  )
}

/** At least the first 16 bytes of a body, and the whole body still to send. */
async function peek(
  body: StoredImage['body'],
): Promise<{ head: Uint8Array; body: StoredImage['body'] }> {
  if (!(body instanceof ReadableStream)) return { head: body, body }
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  let done = false
  while (length < 16 && !done) {
    const read = await reader.read()
    done = read.done
    if (read.value) {
      chunks.push(read.value)
      length += read.value.length
    }
  }
  const head = chunks.length === 1 ? chunks[0]! : concatBytes(chunks, length)
  // Put the stream back together: the chunks already read, then the rest as it is pulled.
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      if (done) controller.close()
    },
    async pull(controller) {
      const read = await reader.read()
      if (read.done) controller.close()
      else controller.enqueue(read.value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return { head, body: rest }
}

/** Releases a stream we will not read (an open file on Node). */
function cancel(body: StoredImage['body']): void {
  if (body instanceof ReadableStream) body.cancel().catch(() => {})
}

/** `GET|HEAD /image/{key}`: a stored image. No auth: keys carry 128 random bits. */
export function storedImageRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  routes.on(['GET', 'HEAD'], '/image/:key', async (c) => {
    const { storage, now } = c.get('services')
    const key = c.req.param('key')
    // Validated before any driver sees it: a key can never name a path.
    if (!storage || !isImageKey(key)) throw missing()
    const image = await storage.get(key)
    if (!image) throw missing()
    return await imageResponse(key, image, c.req.raw, now())
  })
  return routes
}
