import type { Context, MiddlewareHandler, Next } from 'hono'
import { encodeBase64 } from '../bytes/base64.ts'
import { concatBytes } from '../bytes/concat.ts'
import { GatewayError } from '../errors.ts'
import type { AppEnv, Services, Sha256 } from '../services.ts'
import { bearerKey } from './auth.ts'
import { fingerprintBytes } from './body-fingerprint.ts'
import { clientIp } from './rate-limit.ts'
import { createReplayCache, playback, type Recording, record } from './replay-cache.ts'

/**
 * `Idempotency-Key` on the POSTs that generate, so a retry never pays for a second image. A
 * client sets its own key (OpenAI's Node SDK 6 sends none by default: `headers:
 * {'Idempotency-Key': ...}` on the call keeps one across its retries). Without a key, a retry
 * from OpenAI's SDKs still says what it is (`X-Stainless-Retry-Count: 1`, 2...) and resends the
 * same body, so the client plus the body name the request it retries.
 *
 * A request whose key was seen before from the same client, with the same path and body, does
 * not run again: while the first is running it joins it (gets the same status, headers and body,
 * a chat stream included: what was sent so far, then the rest live); after it finished it gets
 * the recorded response replayed. Either way with `Idempotent-Replayed: true`. The same key with
 * another path or body is a 422 `idempotency_key_reused`.
 *
 * Kept for replay: successes and failures a retry must not repeat (`x-should-retry: false`);
 * failures a retry can fix (503 cooling down, 429) are forgotten, so the retry runs afresh. A
 * keyed request keeps running when its client leaves (an SDK gives up on its own timeout and
 * retries with the same key), bounded by REQUEST_TIMEOUT as always.
 *
 * In memory, per process or Worker isolate: a retry reaching another instance runs again.
 * Replayed bodies are what was sent: URL replies hold only links to stored images, `b64_json`
 * and data-URI replies hold the image bytes and count against MAX_REPLAY_BYTES.
 */

const IDEMPOTENCY_HEADER = 'Idempotency-Key'
const REPLAYED_HEADER = 'Idempotent-Replayed'
/** Sent by the Stainless-built SDKs (openai for Node and Python): 0, then 1, 2... on retries. */
const SDK_RETRY_COUNT_HEADER = 'X-Stainless-Retry-Count'
/** Stripe's and OpenAI's limit; visible ASCII, since it is hashed, never echoed. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/
const MAX_REPLAY_ENTRIES = 1000
const MAX_REPLAY_BYTES = 32 * 1024 * 1024
/** How long a finished response is replayed, unless stored images expire sooner. */
const MAX_REPLAY_MS = 10 * 60_000

/** Headers that belong to one request or one caller, not to the answer: each reply sets its own. */
const PER_REQUEST_HEADER = /^(?:x-request-id|access-control-.*|vary|set-cookie)$/i

/**
 * The handler's text read (every JSON door's) decodes the bytes read here, as the Response Hono
 * would otherwise copy them through does (UTF-8, a BOM dropped, bad bytes replaced), but without
 * building that Response and its stream.
 */
function keepText(c: Context<AppEnv>, bytes: ArrayBuffer): void {
  let text: Promise<string> | undefined
  Object.defineProperty(c.req.bodyCache, 'text', {
    configurable: true,
    enumerable: true,
    get: () => (text ??= Promise.resolve(new TextDecoder().decode(bytes))),
  })
}

async function hashText(sha256: Sha256, data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return encodeBase64(await sha256(bytes))
}

/**
 * Who is asking. With client keys configured the key names the client; without them any key is
 * accepted, so the client's address narrows it too. Hashed with the idempotency key before use,
 * so the map never holds a client key.
 */
function clientScope(c: Context<AppEnv>, services: Services): string {
  const key = bearerKey(c.req.header('Authorization')) ?? ''
  if (services.config.clientKeys.length > 0) return `key ${key}`
  // The address TRUST_PROXY names, so clients behind one proxy do not share a scope.
  return `open ${clientIp(c) ?? ''} ${key}`
}

/** A replayed URL must still resolve, so nothing is replayed longer than its images are kept. */
function replayMs(services: Services): number {
  if (!services.storage) return MAX_REPLAY_MS
  return Math.min(MAX_REPLAY_MS, services.config.imageExpirationSeconds * 1000)
}

/** Replayed later: successes, and failures the client was told not to retry. */
function replayable(recording: Recording): boolean {
  if (recording.failed) return false
  if (recording.status < 300) return true
  return recording.headers.some(
    ([name, value]) => name.toLowerCase() === 'x-should-retry' && value === 'false',
  )
}

/**
 * The replay cache's name for a request (`id`: who asks, under which key), and what it asked
 * (`fingerprint`: its route and body). Without a key, an SDK retry names its first attempt by what
 * it sends again, so one digest of who sends which body to which route is both.
 */
async function nameRequest(
  sha256: Sha256,
  route: string,
  scope: string,
  key: string | undefined,
  body: Uint8Array<ArrayBuffer>,
): Promise<{ id: string; fingerprint: string }> {
  if (key === undefined) {
    const named = new TextEncoder().encode(`${scope}\nretry ${route}\n`)
    const id = await hashText(sha256, concatBytes([named, body]) as Uint8Array<ArrayBuffer>)
    return { id, fingerprint: id }
  }
  const [id, bodyHash] = await Promise.all([
    hashText(sha256, `${scope}\nkey ${key}`),
    hashText(sha256, body),
  ])
  return { id, fingerprint: route + bodyHash }
}

const invalidKey = () =>
  new GatewayError(
    400,
    'invalid_idempotency_key',
    'Idempotency-Key must be 1 to 255 printable ASCII characters.',
  )

const keyReused = () =>
  new GatewayError(
    422,
    'idempotency_key_reused',
    'This Idempotency-Key was used for another request body; use a new key.',
  )

/**
 * The middleware; one per app, holding that app's replay cache. Register it on every POST that
 * can start a generation.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  let cache: ReturnType<typeof createReplayCache> | undefined

  // Not async for a request that names no retry, most of them: it passes straight on.
  const middleware: MiddlewareHandler<AppEnv> = (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER)
    const retryCount = c.req.header(SDK_RETRY_COUNT_HEADER)
    if (key === undefined && retryCount === undefined) return next()
    return keyed(c, next, key, retryCount)
  }

  const keyed = async (
    c: Context<AppEnv>,
    next: Next,
    key: string | undefined,
    retryCount: string | undefined,
  ): Promise<Response | undefined> => {
    if (key !== undefined && !VALID_KEY.test(key)) throw invalidKey()
    const services = c.get('services')
    cache ??= createReplayCache({
      maxEntries: MAX_REPLAY_ENTRIES,
      maxBytes: MAX_REPLAY_BYTES,
      ttlMs: replayMs(services),
      now: services.now,
    })
    // Read once here; Hono keeps it, so the handler's own read gets the same bytes.
    const bytes = await c.req.arrayBuffer()
    keepText(c, bytes)
    const body = fingerprintBytes(bytes, c.req.header('Content-Type'))
    const { id, fingerprint } = await nameRequest(
      services.sha256,
      c.req.routePath,
      clientScope(c, services),
      key,
      body,
    )

    // An SDK's first attempt is a new request even when an earlier one sent the same body.
    const seen = key === undefined && retryCount === '0' ? undefined : cache.get(id)
    if (seen) {
      if (seen.fingerprint !== fingerprint) throw keyReused()
      const recording = await seen.answer
      return c.body(playback(recording), recording.status as 200, {
        ...Object.fromEntries(recording.headers),
        [REPLAYED_HEADER]: 'true',
      })
    }

    let answer!: { resolve: (r: Recording) => void; reject: (e: unknown) => void }
    const entry = cache.begin(
      id,
      fingerprint,
      new Promise<Recording>((resolve, reject) => (answer = { resolve, reject })),
    )
    // Joiners that find the handler failed get its error through their own error handler.
    entry.answer.catch(() => {})
    // The handler runs on a signal the client's leaving does not abort: the retry it is about
    // to send will join this run rather than pay for another.
    c.set('runSignal', new AbortController().signal)
    try {
      await next()
    } catch (error) {
      cache.settle(id, entry, null)
      answer.reject(error)
      throw error
    }
    const response = c.res
    const headers = [...response.headers].filter(([name]) => !PER_REQUEST_HEADER.test(name))
    const stream = response.headers.get('Content-Type')?.startsWith('text/event-stream') === true
    // A whole reply the runtime still holds as made is recorded from that, complete at once, and
    // the response itself goes out unread, as it would without a key.
    const whole = stream ? undefined : services.bodyInit?.(response)
    const recording = record(response, headers, whole)
    answer.resolve(recording)
    const settled = recording.ended.then(() =>
      cache?.settle(id, entry, replayable(recording) ? recording.bytes : null),
    )
    if (whole) return
    if (!stream) {
      // A whole reply (JSON, an image) is complete once read: sent as the bytes themselves, with
      // their length, rather than streamed back out of the recording.
      await settled
      if (!recording.failed) {
        // Status and headers rather than the response itself as the init: Node's adapter would
        // turn a Response init into a full undici Response and stream its body back out.
        const { status, headers } = response
        c.res = new Response(concatBytes(recording.chunks) as Uint8Array<ArrayBuffer>, {
          status,
          headers,
        })
        return
      }
    }
    try {
      // On Workers, lets the recording finish after the response went out; Node needs nothing.
      c.executionCtx.waitUntil(settled)
    } catch {}
    c.res = new Response(playback(recording), response)
  }
  return middleware
}
