import { GatewayError } from '../errors.ts'
import { missingImageEnd } from '../image/complete.ts'
import { sniffImage } from '../image/sniff.ts'
import { downloadImage } from '../providers/download.ts'
import { assertSafeUrl } from '../providers/safe-url.ts'
import type { InputImage } from '../providers/types.ts'
import { type ImageSource, MAX_INPUT_IMAGE_BYTES } from '../request/fields.ts'
import { isImageKey } from '../storage/keys.ts'
import type { Gateway } from './types.ts'

/**
 * Reads the images a client gave for an edit. A link to this gateway's own `/image/{key}` is read
 * from the store, never fetched over HTTP (it may not even be reachable from here, and the store
 * is cheaper). Other links go through the SSRF-safe, capped downloader that upstream image links
 * use, with the client's errors: every failure here is a 400 (413 for size) naming the image,
 * raised before any upstream call is paid for.
 */

/** What the readers need to know about the request, besides the gateway. */
export type InputContext = {
  /** Origins whose `/image/{key}` links are this gateway's own: PUBLIC_URL and the request's. */
  ownOrigins: string[]
  signal: AbortSignal
}

const ACCEPTED = new Set(['image/png', 'image/jpeg', 'image/webp'])

/** Reads and checks every source, in order; `param` names the field in errors (`image`, `mask`). */
export async function readInputImages(
  gateway: Gateway,
  sources: ImageSource[],
  param: string,
  context: InputContext,
): Promise<InputImage[]> {
  // One at a time: a refused first image stops before the others are downloaded.
  const images: InputImage[] = []
  for (const [index, source] of sources.entries()) {
    const name = sources.length > 1 ? `${param} ${index + 1}` : param
    images.push(identify(await readSource(gateway, source, name, param, context), name, param))
  }
  return images
}

/** A client-side input error: never retryable, since the same image fails the same way. */
export const inputError = (status: 400 | 413, code: string, message: string, param: string) =>
  new GatewayError(status, code, message, { param, retryable: false })

async function readSource(
  gateway: Gateway,
  source: ImageSource,
  name: string,
  param: string,
  context: InputContext,
): Promise<Uint8Array> {
  if ('bytes' in source) {
    if (source.bytes.byteLength > MAX_INPUT_IMAGE_BYTES) throw tooLarge(name, param)
    return source.bytes
  }
  const own = ownImageKey(source.url, context.ownOrigins)
  if (own) return readOwnImage(gateway, own, name, param)
  const image = await downloadImage(source.url, {
    provider: name,
    baseUrl: undefined,
    signal: context.signal,
    fetch: gateway.fetch,
    maxBytes: MAX_INPUT_IMAGE_BYTES,
    fail: (reason, isTooLarge) =>
      isTooLarge
        ? tooLarge(name, param)
        : inputError(400, 'invalid_image', `Could not read ${name}: ${reason}`, param),
  }).catch((error: unknown) => {
    // Network failures and timeouts arrive as upstream errors; they are still about the client's link.
    if (error instanceof GatewayError && error.upstream && !context.signal.aborted) {
      // Its message starts with the "provider" name, which here is the image's: "image 2: ...".
      throw inputError(400, 'invalid_image', `Could not fetch ${error.message}`, param)
    }
    throw error
  })
  return image.bytes
}

/**
 * Refuses at once, without reading anything, a link that reading would refuse (not http(s), a
 * private address, plain http to another host), with the same words. For a door that answers
 * before the images are read: a chat stream has sent HTTP 200 by then, and this keeps the
 * refusal a plain 400.
 */
export function checkImageLink(
  url: string,
  ownOrigins: string[],
  naming: { name: string; param: string },
): void {
  if (url.startsWith('data:') || ownImageKey(url, ownOrigins)) return
  assertSafeUrl(url, undefined, (reason) =>
    inputError(
      400,
      'invalid_image',
      `Could not read ${naming.name}: refused to fetch the URL: ${reason}`,
      naming.param,
    ),
  )
}

/** The storage key of a link to this gateway's own `/image/{key}`, or null for any other link. */
export function ownImageKey(url: string, ownOrigins: string[]): string | null {
  let parsed: URL
  try {
    // Relative links (`/image/abc`, as the playground sends) are the gateway's own by definition.
    parsed = new URL(url, 'relative:/')
  } catch {
    return null
  }
  const relative = parsed.protocol === 'relative:'
  if (!relative && !ownOrigins.includes(parsed.origin)) return null
  const match = /^\/image\/([^/]+)$/.exec(parsed.pathname)
  const key = match?.[1]
  return key && isImageKey(key) ? key : null
}

async function readOwnImage(
  gateway: Gateway,
  key: string,
  name: string,
  param: string,
): Promise<Uint8Array> {
  const stored = await gateway.storage?.get(key)
  if (!stored) {
    throw inputError(
      400,
      'invalid_image',
      `${capitalised(name)} has expired or never existed`,
      param,
    )
  }
  const { body } = stored
  return body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer())
}

function identify(bytes: Uint8Array, name: string, param: string): InputImage {
  const info = sniffImage(bytes)
  if (!info || !ACCEPTED.has(info.contentType) || info.width === 0 || info.height === 0) {
    const what = info ? `a ${info.contentType.slice(6).toUpperCase()}` : 'not an image'
    throw inputError(
      400,
      'invalid_image',
      `${capitalised(name)} is ${what}; send a PNG, JPEG or WebP image`,
      param,
    )
  }
  // A cut-off upload or download still sniffs fine; it would be paid for, or stored, broken.
  const missing = missingImageEnd(bytes, info.contentType)
  if (missing) {
    throw inputError(
      400,
      'invalid_image',
      `${capitalised(name)} is cut short (${missing}); send the whole file`,
      param,
    )
  }
  return { bytes, ...info } as InputImage
}

const tooLarge = (name: string, param: string) =>
  inputError(
    413,
    'image_too_large',
    `${capitalised(name)} is larger than ${MAX_INPUT_IMAGE_BYTES / 1024 / 1024} MiB`,
    param,
  )

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
