import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import { GatewayError, notFound } from '../errors.ts'
import { generateImages } from '../generate/index.ts'
import { ownOrigins } from '../http/origin.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import { parseDirectQuery } from '../request/direct.ts'
import type { AppEnv } from '../services.ts'
import { isImageKey } from '../storage/keys.ts'
import { beforeDrawing, checkUrlKey, urlFailure } from './image-url.ts'
import { imageResponse } from './stored-image.ts'

/**
 * `GET /?prompt=...&size=WxH&optimization=0|1` (freefluxapi's direct API, done right): the URL is
 * the image, so it works as `<img src>` and as a markdown image. With storage it answers 302 to
 * the same URL plus `id=<key>`, and that URL serves the stored bytes (or draws the prompt again
 * once the image has expired, so a shared link never dies). Every failure is an image too.
 */

/** Parameters that make `GET /` the direct API; without any of them it is the welcome page. */
const DIRECT_PARAMS = [
  'prompt',
  'id',
  'size',
  'optimization',
  'seed',
  'steps',
  'model',
  'negative',
  'image',
]

const expiredWithoutPrompt = () =>
  notFound(
    'This image has expired and the URL holds no prompt to draw it again.',
    'image_not_found',
  )

/**
 * Parameters never copied into a URL the gateway hands out: a credential in a Location spreads
 * into browser history, proxy logs and Referer headers.
 */
const DROPPED_FROM_LOCATION = new Set(['id', 'key', 'token'])

/**
 * The query string with `id` set to `key`, every other parameter kept as the client wrote it,
 * except credentials. The `?id=` URL serves the stored image without a key; once it expires and
 * drawing it again needs a key, the client has to present the key again (a 401 image). That
 * costs a key holder one more step after expiry, and keeps the key out of every shared link.
 */
export function withImageId(search: string, key: string): string {
  const kept = search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair && !DROPPED_FROM_LOCATION.has(paramName(pair)))
  return `?${[...kept, `id=${key}`].join('&')}`
}

function paramName(pair: string): string {
  const name = pair.split('=')[0]!.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/** `GET|HEAD /` with direct-API parameters; plain `GET /` falls through to the welcome page. */
export function directRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()

  // HEAD is named so that it is part of the route table (and the OpenAPI document); Hono
  // answers HEAD through the GET handler anyway, and serve() below tells the two apart.
  routes.on(['GET', 'HEAD'], '/', async (c, next) => {
    const query = c.req.query()
    if (!DIRECT_PARAMS.some((name) => name in query)) return next()
    try {
      return await serve(c, query)
    } catch (thrown) {
      return urlFailure(c, thrown)
    }
  })

  async function serve(c: Context<AppEnv>, query: Record<string, string>): Promise<Response> {
    const services = c.get('services')
    const { config, storage, now } = services

    // A stored image answers on its own: like /image/{key}, an id of 128 random bits needs no
    // key, and serving it costs no generation, so it is not counted against the rate limit.
    const id = query.id
    if (id !== undefined && storage && isImageKey(id)) {
      const image = await storage.get(id)
      if (image) {
        addLogFields(c, { direct: 'stored' })
        return imageResponse(id, image, c.req.raw, now())
      }
    }

    const keyHolder = await checkUrlKey(c, query)
    // Several images come `|`-separated (as Pollinations takes them) or as repeated parameters.
    const params = parseDirectQuery({ ...query, image: c.req.queries('image')?.join('|') })
    if (params.prompt === undefined) {
      if (id !== undefined) throw expiredWithoutPrompt()
      // The code the other doors use for an empty prompt.
      throw new GatewayError(
        400,
        'invalid_prompt',
        'prompt is missing: add ?prompt=... to the URL.',
        { param: 'prompt' },
      )
    }
    const head = await beforeDrawing(c, {
      model: params.model,
      images: params.image?.length,
      keyHolder,
    })
    if (head) return head

    const result = await generateImages(services, {
      prompt: params.prompt,
      n: 1,
      ...params.size,
      seed: params.seed,
      steps: params.steps,
      negativePrompt: params.negative,
      model: params.model,
      images: params.image,
      optimize: params.optimization ?? false,
      signal: c.req.raw.signal,
      origins: ownOrigins(c.req.raw, config.publicUrl),
    })
    const image = result.images[0]!
    addLogFields(c, { direct: 'generated', ...generationLogFields(result) })

    if (image.key) {
      // A relative Location keeps the path and host the client used, behind any proxy.
      return new Response(null, {
        status: 302,
        headers: {
          Location: withImageId(new URL(c.req.url).search, image.key),
          'Cache-Control': 'no-store',
        },
      })
    }
    // No storage (a Worker without KV): the bytes themselves. Only this browser may cache them.
    return new Response(image.bytes as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: {
        'Content-Type': image.contentType,
        'Content-Length': String(image.bytes.length),
        'Cache-Control': `private, max-age=${config.imageExpirationSeconds}`,
      },
    })
  }

  return routes
}
