import type { Context } from 'hono'
import { GatewayError } from '../errors.ts'
import type { RateLimiter } from '../limits/types.ts'
import type { AppEnv } from '../services.ts'

/**
 * The per-IP limit on anonymous generation (freefluxapi's 5 per 120 s by default): the direct
 * image URL, the Images API and chat completions that draw, one count for all three. Only what
 * spends an upstream call is counted: the GUI page, `/image/`, the welcome page, `?id=` hits
 * served from storage and chat housekeeping answers never reach this guard. Key holders are
 * trusted clients and never counted.
 */

/**
 * Whether `text` is a literal IPv4 or IPv6 address, by the URL parser every runtime has (Hono's
 * own parser would cost the Worker bundle most of a kilobyte). A dotted IPv4 must come back
 * unchanged, which refuses the legacy forms URL accepts (`1.2.3`, `0x7f.1`, `01.2.3.4`).
 */
export function isIpAddress(text: string): boolean {
  try {
    if (text.includes(':')) return Boolean(new URL(`http://[${text}]`))
    return /^[\d.]+$/.test(text) && new URL(`http://${text}`).hostname === text
  } catch {
    return false
  }
}

/**
 * The client's address: the last `X-Forwarded-For` entry when TRUST_PROXY is on, else what the
 * runtime reports. The last entry is the one our trusted proxy appended (the address it saw);
 * anything before it came from the client and may be forged, so it is never used. A last entry
 * that is not an IP address (`unknown`, a host name, garbage from a misconfigured proxy) would
 * give every such request one shared or made-up key, so the socket's address is used instead.
 * Without TRUST_PROXY the header is ignored altogether.
 */
export function clientIp(c: Context<AppEnv>): string | undefined {
  const { config, clientAddress } = c.get('services')
  if (config.trustProxy) {
    const last = c.req.header('X-Forwarded-For')?.split(',').at(-1)?.trim()
    if (last && last.length <= 64 && isIpAddress(last)) return last
  }
  return clientAddress(c)
}

/**
 * The limiter key for an address. IPv4 counts per address; IPv6 per /64, the block one
 * subscriber usually holds (so rotating through it does not reset the count). An IPv4 address
 * mapped into IPv6 (Node's dual-stack sockets) counts as the IPv4 address. Unknown: one shared key.
 */
export function limiterKey(address: string | undefined): string {
  if (!address) return 'unknown'
  const bare = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare)
  if (mapped) return mapped[1]!
  if (!bare.includes(':')) return bare
  const halves = bare.split('::')
  if (halves.length > 2) return bare
  const groups = (half: string | undefined) => (half ? half.split(':') : [])
  const head = groups(halves[0])
  const tail = groups(halves[1])
  const missing = halves.length === 2 ? 8 - head.length - tail.length : 0
  const all = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...tail]
  const prefix = all.slice(0, 4)
  if (prefix.length < 4 || prefix.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return bare
  return `${prefix.map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`
}

export const rateLimited = (retryAfterSeconds: number) =>
  new GatewayError(
    429,
    'rate_limit_exceeded',
    `Too many images from your address. Try again in ${retryAfterSeconds} s.`,
    { retryAfter: retryAfterSeconds },
  )

/**
 * Counts a generation for the client's address and throws a 429 with `Retry-After` past the
 * limit. The limiter is the app's (services.ts): the runtime's shared one (the Workers Rate
 * Limiting binding, Redis) or one in memory; none with RATE_LIMIT=0. A failing limiter lets the
 * request through: an outage of the limiter should not take the API down with it.
 */
export async function limitPublicGeneration(c: Context<AppEnv>): Promise<void> {
  const { config, rateLimiter, log } = c.get('services')
  if (!rateLimiter || !config.rateLimit) return
  let outcome: Awaited<ReturnType<RateLimiter['limit']>>
  try {
    outcome = await rateLimiter.limit(limiterKey(clientIp(c)))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log({ level: 'warn', message: `rate limiter failed: ${message}` })
    return
  }
  if (!outcome.success) {
    throw rateLimited(outcome.retryAfterSeconds ?? config.rateLimit.windowSeconds)
  }
}

/**
 * The guard for the `/v1` doors, which sit behind requireClientKey: with client keys configured
 * every caller that got this far holds one, so only an open gateway counts.
 */
export async function limitApiGeneration(c: Context<AppEnv>): Promise<void> {
  if (c.get('services').config.clientKeys.length === 0) await limitPublicGeneration(c)
}
