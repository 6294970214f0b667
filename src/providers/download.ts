import { decodeBase64 } from '../bytes/base64.ts'
import type { GatewayError } from '../errors.ts'
import { capBody } from './capped-body.ts'
import { abortOrNetworkError, upstreamError } from './http.ts'
import { assertSafeUrl, isBaseHost, PUBLIC_ADDRESSES_ONLY } from './safe-url.ts'
import type { GeneratedImage } from './types.ts'

/**
 * Fetches an image URL an upstream returned (SiliconFlow, Replicate, BFL, fal... hand out links
 * that expire within the hour), so the gateway keeps bytes and never a link that will die.
 * Every URL, redirects included, passes safe-url.ts first; the provider's key is never sent.
 */

/** Largest image accepted: Workers KV's value limit, far above any Flux output. */
export const MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
/** Redirect hops followed, each one checked again (signed CDN links redirect once or twice). */
const MAX_REDIRECTS = 3
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

export type DownloadOptions = {
  /** Provider name, for error messages. */
  provider: string
  /** The provider's configured base URL: plain http and private hosts are allowed only there. */
  baseUrl: string | undefined
  /** The attempt's signal: the download shares its timeout and the client's abort. */
  signal: AbortSignal
  fetch: typeof fetch
  /** Default MAX_DOWNLOAD_BYTES. */
  maxBytes?: number
  /**
   * Builds the error for a download that failed for `reason` (`tooLarge` when over `maxBytes`).
   * Default: a `server` failure of the provider, so the pool tries the next target. Input images
   * a client names pass their own, since a bad link is the client's error.
   */
  fail?: (reason: string, tooLarge: boolean) => GatewayError
}

/** Downloads one image, or throws a `server`/`timeout`/`network` failure saying why. */
export async function downloadImage(
  url: string,
  options: DownloadOptions,
): Promise<GeneratedImage> {
  const { provider, signal } = options
  const maxBytes = options.maxBytes ?? MAX_DOWNLOAD_BYTES
  const fail =
    options.fail ??
    ((reason: string) =>
      upstreamError(provider, 'server', `could not download the image: ${reason}`))
  const tooLarge = () => fail(`it is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`, true)
  if (url.startsWith('data:')) return decodeDataUrl(url, maxBytes, fail, tooLarge)

  const safe = (raw: string) =>
    assertSafeUrl(raw, options.baseUrl, (reason) =>
      fail(`refused to fetch the URL: ${reason}`, false),
    )
  let target = safe(url)
  for (let hop = 0; ; hop++) {
    let response: Response
    try {
      // `manual`, so every hop is checked before it is followed.
      const publicOnly = !isBaseHost(target, options.baseUrl)
      response = await options.fetch(target.href, {
        redirect: 'manual',
        signal,
        ...(publicOnly ? { [PUBLIC_ADDRESSES_ONLY]: true } : {}),
      })
    } catch (error) {
      throw abortOrNetworkError(provider, signal, error)
    }
    if (REDIRECT_STATUSES.has(response.status)) {
      await response.body?.cancel().catch(() => {})
      const location = response.headers.get('location')
      if (!location) throw fail(`a redirect without a Location (HTTP ${response.status})`, false)
      if (hop >= MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`, false)
      target = safe(new URL(location, target).href)
      continue
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      // Signed links answer 403/404 once expired; either way this attempt has no image.
      throw fail(`the image URL on ${target.hostname} answered HTTP ${response.status}`, false)
    }
    const bytes = await readCapped(provider, response, { maxBytes, tooLarge }, signal)
    return { bytes, mediaType: response.headers.get('content-type') ?? undefined }
  }
}

/** Reads a body, stopping as soon as it passes the cap (Content-Length may be absent). */
async function readCapped(
  provider: string,
  response: Response,
  cap: { maxBytes: number; tooLarge: () => GatewayError },
  signal: AbortSignal,
): Promise<Uint8Array> {
  const capped = capBody(response, cap.maxBytes, cap.tooLarge)
  try {
    return new Uint8Array(await capped.arrayBuffer())
  } catch (error) {
    throw abortOrNetworkError(provider, signal, error)
  }
}

/** Some upstreams inline the image as a `data:` URL; decoding it needs no network at all. */
function decodeDataUrl(
  url: string,
  maxBytes: number,
  fail: (reason: string, tooLarge: boolean) => GatewayError,
  tooLarge: () => GatewayError,
): GeneratedImage {
  const match = /^data:([^;,]*)(?:;[^;,]*)*;base64,(.*)$/s.exec(url)
  if (!match) throw fail('a data: URL that is not base64', false)
  const base64 = match[2]!.replace(/\s+/g, '')
  if (base64.length * 0.75 > maxBytes + 3) throw tooLarge()
  try {
    return { bytes: decodeBase64(base64), mediaType: match[1] || undefined }
  } catch {
    throw fail('a data: URL with invalid base64', false)
  }
}
