import type { Context } from 'hono'
import { GatewayError } from '../errors.ts'
import { checkInputShape } from '../generate/input-routes.ts'
import { errorResponse, recordError } from '../http/error-response.ts'
import { errorImageResponse } from '../image/error-image.ts'
import { bearerKey } from '../middleware/auth.ts'
import { limitPublicGeneration } from '../middleware/rate-limit.ts'
import { addLogFields } from '../middleware/request-log.ts'
import type { AppEnv } from '../services.ts'

/**
 * What the two doors whose URL is the image share: the direct API (`/?prompt=`, direct.ts) and
 * Pollinations' (`/prompt/{prompt}`, pollinations.ts). An `<img>` sends no headers of its own, so
 * the key may ride in the URL; every failure is an image; and the same access rule
 * (DIRECT_API_ACCESS) and per-IP limit hold for both.
 */

const keyRequired = () =>
  new GatewayError(
    401,
    'invalid_api_key',
    'Missing or invalid key. Add ?key=YOUR_KEY to the URL, or send Authorization: Bearer.',
    { retryable: false },
  )

/**
 * Checks the key a URL door was given (`key=`, Pollinations' `token=`, or a bearer) and throws a
 * 401 when DIRECT_API_ACCESS=key and it is not a client key. Returns whether the caller holds one.
 */
export async function checkUrlKey(
  c: Context<AppEnv>,
  query: Record<string, string>,
): Promise<boolean> {
  const { config, checkKey } = c.get('services')
  const presented = query.key || query.token || bearerKey(c.req.header('Authorization'))
  // With no client key configured, `key` access has nothing to check against: fail closed.
  const keyHolder = config.clientKeys.length > 0 && (await checkKey(presented))
  if (config.directApiAccess === 'key' && !keyHolder) throw keyRequired()
  return keyHolder
}

/**
 * The last step before drawing a valid request: the model is resolved and checked against the
 * number of input images (so a typo or a model that cannot edit does not use up the client's
 * quota), a HEAD is answered without drawing, and anonymous public use is counted. Returns the
 * HEAD answer, or null when the caller should draw.
 */
export async function beforeDrawing(
  c: Context<AppEnv>,
  options: { model: string | undefined; images?: number; keyHolder: boolean },
): Promise<Response | null> {
  const { config, catalogue } = c.get('services')
  checkInputShape(catalogue, options.model, { images: options.images ?? 0, mask: false })
  // Link unfurlers send HEAD before showing a URL: say what a GET would bring without drawing
  // it (each draw costs an upstream call) and without counting it against the client's limit.
  // The exact type is known only once drawn; `image/*` is what an unfurler needs to know.
  if (c.req.method === 'HEAD') {
    addLogFields(c, { direct: 'head' })
    return new Response(null, {
      status: 200,
      headers: { 'Content-Type': 'image/*', 'Cache-Control': 'no-store' },
    })
  }
  // Key holders are trusted clients: only anonymous public generation is limited.
  if (config.directApiAccess === 'public' && !options.keyHolder) await limitPublicGeneration(c)
  return null
}

/** JSON only for clients that ask for it and not for an image (a browser's `<img>` does not). */
const wantsJson = (c: Context) => {
  const accept = c.req.header('Accept') ?? ''
  return accept.includes('application/json') && !accept.includes('image/')
}

/** Every failure of a URL door: an error image by default, the JSON error when asked. */
export function urlFailure(c: Context<AppEnv>, thrown: unknown): Response | Promise<Response> {
  if (wantsJson(c)) return errorResponse(c, thrown)
  return errorImageResponse(recordError(c, thrown))
}
