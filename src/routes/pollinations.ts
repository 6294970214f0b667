import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import { badRequest } from '../errors.ts'
import { generateImages } from '../generate/index.ts'
import { linkOrigins } from '../http/origin.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import { parsePollinationsRequest } from '../request/pollinations.ts'
import type { AppEnv } from '../services.ts'
import { beforeDrawing, checkUrlKey, urlFailure } from './image-url.ts'
import { etagMatches } from './stored-image.ts'

/**
 * Pollinations' image URLs, `GET /prompt/{prompt}` (and its short form `/p/{prompt}`), for the
 * many tools that hard-code them: the answer is the image itself, never a redirect, since some
 * of those tools read the first response's bytes. A URL with a fixed seed (any URL without
 * `seed=-1`) always means the same image, so it may be cached for as long as the gateway keeps
 * it; `X-Cache` says whether it came from the store. Access, limits and errors are the direct
 * API's (image-url.ts): failures are error images with the true status, because an `<img>` shows
 * nothing of a JSON body and these URLs live in `<img>` tags and markdown.
 *
 * `GET /models` is Pollinations' model list, a JSON array of names.
 */
export function pollinationsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()

  // The prompt may hold encoded `/` and `?`, and tools also send it unencoded with slashes.
  routes.on(['GET', 'HEAD'], ['/prompt/:prompt{.+}', '/p/:prompt{.+}'], async (c) => {
    try {
      return await serve(c)
    } catch (thrown) {
      return urlFailure(c, thrown)
    }
  })

  routes.get('/models', (c) => c.json(c.get('services').catalogue.listing.map(({ id }) => id)))

  return routes
}

async function serve(c: Context<AppEnv>): Promise<Response> {
  const services = c.get('services')
  const query = c.req.query()
  const keyHolder = await checkUrlKey(c, query)
  const { image, optimize, references } = parsePollinationsRequest(promptOf(c.req.path), query)
  const images = references.map((url) => ({ url }))
  const head = await beforeDrawing(c, { model: image.model, images: images.length, keyHolder })
  if (head) return head

  const result = await generateImages(services, {
    ...image,
    images,
    n: 1,
    optimize,
    signal: c.req.raw.signal,
    // Links to this gateway's own /image/{key} are read from the store, not fetched.
    origins: linkOrigins(c.req.raw, services.config.publicUrl),
  })
  const drawn = result.images[0]!
  addLogFields(c, { direct: 'generated', ...generationLogFields(result) })

  const headers: Record<string, string> = {
    'Content-Type': drawn.contentType,
    'X-Cache': result.cached ? 'HIT' : 'MISS',
    'Cache-Control': 'no-store',
  }
  if (image.seed !== undefined) {
    // The same URL draws the same image, under the same content key, for as long as it is kept.
    const maxAge = Math.max(0, Math.floor((result.expiresAt - services.now()) / 1000))
    headers['Cache-Control'] = `public, max-age=${maxAge}, immutable`
    if (drawn.key) {
      headers.ETag = `"${drawn.key}"`
      if (etagMatches(c.req.raw, headers.ETag)) return new Response(null, { status: 304, headers })
    }
  }
  headers['Content-Length'] = String(drawn.bytes.length)
  return new Response(drawn.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers })
}

/**
 * The prompt: the raw path after its first segment, decoded as Pollinations decodes it (`+` is a
 * space, as form encoders write it; `%2B` is a plus).
 */
function promptOf(path: string): string {
  const raw = path.slice(path.indexOf('/', 1) + 1).replace(/\+/g, ' ')
  try {
    return decodeURIComponent(raw)
  } catch {
    throw badRequest('The prompt in the path is not valid URL encoding.', 'prompt')
  }
}
