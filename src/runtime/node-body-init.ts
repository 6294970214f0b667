/**
 * The body @hono/node-server's light Response was made with, read without building the full
 * undici Response and its stream that asking for `body` or `arrayBuffer()` would. The adapter
 * keeps `[status, body, headers]` under a symbol of its own, described `cache`, while nothing
 * has read the response; it writes a string or bytes found there straight to the socket. The
 * symbol is not exported (and each of the adapter's bundles has its own), so it is found by its
 * description and kept once found.
 */

const encoder = new TextEncoder()
let cacheKey: symbol | undefined

function findCacheKey(response: Response): symbol | undefined {
  for (const key of Object.getOwnPropertySymbols(response)) {
    if (key.description === 'cache') return key
  }
  return undefined
}

/**
 * The bytes of a string or bytes the response holds unread (a string as UTF-8, as it would be
 * sent), else undefined (a stream, a full Response).
 */
export function lightResponseBody(response: Response): Uint8Array | undefined {
  // A full Response, or a light one already read, has no such entry: undefined, left to `body`.
  const key = cacheKey ?? findCacheKey(response)
  if (key === undefined) return undefined
  const cached: unknown = (response as unknown as Record<symbol, unknown>)[key]
  if (!Array.isArray(cached)) return undefined
  cacheKey = key
  const body: unknown = cached[1]
  if (typeof body === 'string') return encoder.encode(body)
  return body instanceof Uint8Array ? body : undefined
}
