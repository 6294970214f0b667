import { capBody } from './capped-body.ts'
import { upstreamError } from './http.ts'

/**
 * The `fetch` a provider gets for one attempt, so an upstream cannot steer the gateway: every
 * reply body is capped (a multi-gigabyte reply would exhaust memory), and redirects are followed
 * only within the origin the provider called, a few hops at most. A redirect to another origin
 * would carry the key and the prompt to a host nobody configured, or reach into the operator's
 * network, so it fails the attempt instead. A caller that asks for `redirect: 'manual'` (image
 * downloads, which check each hop themselves) gets the 3xx as is, its body capped all the same.
 */

export type FetchGuard = {
  /** Provider name, for error messages. */
  provider: string
  /** Largest body read from one reply. */
  maxBytes: number
}

const MAX_HOPS = 3
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

export function guardedFetch(fetcher: typeof fetch, guard: FetchGuard): typeof fetch {
  const { provider, maxBytes } = guard
  const fail = (reason: string) => upstreamError(provider, 'server', reason)
  const tooLarge = () =>
    fail(`the reply is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB (MAX_UPSTREAM_BYTES)`)

  return async (input, init = {}) => {
    if (input instanceof Request) throw new TypeError('provider calls pass a URL, not a Request')
    let url = new URL(input)
    const method = (init.method ?? 'GET').toUpperCase()
    for (let hop = 0; ; hop++) {
      const response = await fetcher(url.href, { ...init, redirect: 'manual' })
      const location = REDIRECT_STATUSES.has(response.status)
        ? response.headers.get('location')
        : null
      if (init.redirect === 'manual' || location === null) {
        return capBody(response, maxBytes, tooLarge)
      }
      await response.body?.cancel().catch(() => {})
      const { status } = response
      const next = parseUrl(location, url)
      if (!next) throw fail(`redirected (HTTP ${status}) to an invalid URL`)
      // Only the host is named: the target's path and query may hold a token.
      if (next.origin !== url.origin) {
        throw fail(`redirected (HTTP ${status}) to another origin (${next.host}); not followed`)
      }
      // 301/302/303 would turn the call into a GET without its body: a different request.
      if (status < 307 && method !== 'GET' && method !== 'HEAD') {
        throw fail(`redirected a ${method} with HTTP ${status}; not followed`)
      }
      if (hop >= MAX_HOPS) throw fail(`more than ${MAX_HOPS} redirects`)
      url = next
    }
  }
}

function parseUrl(location: string, base: URL): URL | null {
  try {
    return new URL(location, base)
  } catch {
    return null
  }
}
