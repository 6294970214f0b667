import * as z from 'zod/mini'
import type { GatewayError, UpstreamFailure } from '../errors.ts'
import { upstreamError } from './http.ts'

/**
 * How every provider reads an upstream's non-2xx reply: one table from HTTP status to failure
 * kind and wording, one reading of the error bodies upstreams send, one Retry-After parser and
 * one way of quoting upstream text with secrets masked. A provider states only what is its own
 * (its codes, its refusal wording, what to check on a 404) as `ErrorRules`.
 */

/** What the gateway decides about one reply: the failure kind and the words for it. */
export type Verdict = {
  failure: UpstreamFailure
  /** Leads the message: `<what> (HTTP <status>): <quote>; <note>`. */
  what: string
  /** Follows the quote: what to check, or what happens to the key. */
  note?: string
}

const KEY_DISABLED = 'the key stays disabled until restart'

/**
 * The generic meaning of each status. Only statuses that say the request's content is wrong
 * (400, 413, 422) are final for the client; any other 4xx (a 404, a 405 from a wrong base URL, a
 * 408) is this target's problem, so another target may serve. 402 means an empty account, which
 * no retry fixes: the key is disabled like a rejected one.
 */
const STATUS_VERDICTS: Record<number, Verdict> = {
  400: { failure: 'bad-request', what: 'rejected the request' },
  401: { failure: 'unauthorized', what: 'the key was rejected' },
  402: { failure: 'unauthorized', what: 'out of credit', note: KEY_DISABLED },
  403: { failure: 'unauthorized', what: 'access denied' },
  404: { failure: 'server', what: 'not found' },
  413: { failure: 'bad-request', what: 'rejected the request' },
  422: { failure: 'bad-request', what: 'rejected the request' },
  429: { failure: 'rate-limited', what: 'rate limit reached' },
  503: { failure: 'server', what: 'overloaded' },
  504: { failure: 'server', what: 'overloaded' },
}

/** The verdict for a status when nothing more specific is known. */
export function statusVerdict(status: number): Verdict {
  return STATUS_VERDICTS[status] ?? { failure: 'server', what: 'server error' }
}

/** The failure an HTTP status means when the body says nothing more specific. */
export function failureForStatus(status: number): UpstreamFailure {
  return statusVerdict(status).failure
}

/** Seconds from a `Retry-After` header (delta-seconds or HTTP date), if present and sane. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')
  if (!value) return undefined
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - now) / 1000
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 86_400) : undefined
}

/** Key prefixes upstreams quote back ("Incorrect API key provided: sk-abc***xyz"). */
const KEY_PREFIXES = /\b(sk|tgp)[-_][A-Za-z0-9_*-]{4,}/g

/**
 * Upstream text made fit for a client and a log: one line, every secret (and anything shaped
 * like an API key) masked, at most `max` characters.
 */
export function quote(text: string, secrets: (string | null | undefined)[], max = 200): string {
  const line = maskSecrets(text.replace(/\s+/g, ' ').trim(), secrets).replace(KEY_PREFIXES, '***')
  return line.length > max ? `${line.slice(0, max)}...` : line
}

/** A run this long taken from a secret is masked wherever it appears. */
const SECRET_RUN = 8

/**
 * `text` with every run of SECRET_RUN or more characters taken from any of `secrets` replaced by
 * `***`, and whole shorter secrets (4 characters or more) too. Upstreams quote a key's first
 * characters back ("key fluxgate-provid... is invalid"), which an exact match would miss.
 */
export function maskSecrets(text: string, secrets: Iterable<string | null | undefined>): string {
  return secretMask(secrets)(text)
}

/** `maskSecrets` with the secrets' runs indexed once, for a caller that masks many texts. */
export function secretMask(secrets: Iterable<string | null | undefined>): (text: string) => string {
  const runs = new Set<string>()
  const short: string[] = []
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue
    if (secret.length < SECRET_RUN) short.push(secret)
    for (let i = 0; i + SECRET_RUN <= secret.length; i++) runs.add(secret.slice(i, i + SECRET_RUN))
  }
  return (text) => {
    // Mark every window of the text that is part of a secret; overlapping windows cover longer runs.
    const masked = new Uint8Array(text.length)
    for (let i = 0; i + SECRET_RUN <= text.length; i++) {
      if (runs.has(text.slice(i, i + SECRET_RUN))) masked.fill(1, i, i + SECRET_RUN)
    }
    let out = ''
    for (let i = 0; i < text.length; i++) {
      if (!masked[i]) out += text[i]
      else if (!masked[i - 1]) out += '***'
    }
    for (const secret of short) out = out.split(secret).join('***')
    return out
  }
}

/** What an error body says, before masking. */
export type ErrorReading = {
  message?: string
  /** Machine-readable codes and types: OpenAI's `error.code`, `{code}`, FastAPI `detail[].type`. */
  codes: string[]
}

const lenient = <T extends z.ZodMiniType>(schema: T) => z.catch(z.nullish(schema), undefined)
const code = lenient(z.union([z.string(), z.number()]))
const errorBody = z.object({
  // OpenAI, LocalAI: {error: {message, code}}; some servers: {error: "text"}.
  error: lenient(z.union([z.string(), z.object({ message: lenient(z.string()), code })])),
  // AUTOMATIC1111's exception handler puts the telling line (CUDA out of memory) here.
  errors: lenient(z.string()),
  // FastAPI (fal, Replicate, BFL, AUTOMATIC1111): {detail: "text"} or [{loc, msg, type}].
  detail: lenient(
    z.union([
      z.string(),
      z.array(
        z.object({
          msg: lenient(z.string()),
          type: lenient(z.string()),
          loc: lenient(z.array(z.union([z.string(), z.number()]))),
        }),
      ),
    ]),
  ),
  // SiliconFlow, Together: {code, message}; Replicate's problem details add `title`.
  message: lenient(z.string()),
  code,
  title: lenient(z.string()),
})

/** Reads any error body upstreams send; plain text is quoted too, an HTML error page is not. */
export function readErrorBody(text: string): ErrorReading {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const parsed = errorBody.safeParse(json)
  if (!parsed.success || typeof json !== 'object' || json === null) {
    const plain = text.trim()
    return { message: plain && !plain.startsWith('<') ? plain : undefined, codes: [] }
  }
  const body = parsed.data
  const items = Array.isArray(body.detail) ? body.detail : []
  const details = items
    .map((item) => {
      const field = item.loc?.filter((part) => part !== 'body').join('.')
      return field && item.msg ? `${field}: ${item.msg}` : (item.msg ?? item.type ?? '')
    })
    .filter(Boolean)
    .join('; ')
  const error = typeof body.error === 'string' ? { message: body.error } : body.error
  const message =
    body.errors ||
    (typeof body.detail === 'string' ? body.detail : details) ||
    error?.message ||
    body.message ||
    body.title ||
    undefined
  const codes = [error && 'code' in error ? error.code : undefined, body.code]
    .filter((value) => value !== null && value !== undefined)
    .map(String)
  for (const item of items) if (item.type) codes.push(item.type)
  return { message, codes }
}

/** What one provider adds to the generic reading. */
export type ErrorRules = {
  /** The provider's own codes, checked before anything else. */
  special?: (reading: ErrorReading, response: Response) => Verdict | undefined
  /** Its wording per status, over the generic table's (same keys: HTTP statuses). */
  statuses?: Record<number, Partial<Verdict>>
  /** Codes, types or words by which the upstream refuses a prompt (a 4xx only). */
  refusal?: { codes?: string[]; words?: RegExp }
  /** What to check on a 404, e.g. "check the model id". */
  notFound?: string
  /** A wait named in the body when a 429 carries no Retry-After. */
  retryAfter?: (reading: ErrorReading) => number | undefined
  /** A last word on the verdict, from headers only the provider knows (fal's X-Fal-Retryable). */
  refine?: (verdict: Verdict, response: Response) => Verdict
  /** Reads a body the generic reader does not know; default `readErrorBody`. */
  read?: (text: string) => ErrorReading
  /** Longest quote of the upstream's words; default 200 characters. */
  quoteLength?: number
}

/** Who failed and with which secrets, and (optionally) which step: "queueing the prompt". */
export type ErrorSource = {
  provider: string
  secrets: (string | null | undefined)[]
  doing?: string
}

/** The GatewayError for a non-2xx reply, by the generic table refined with `rules`. */
export function errorFromReply(
  source: ErrorSource,
  response: Response,
  text: string,
  rules: ErrorRules = {},
): GatewayError {
  const { status } = response
  const reading = (rules.read ?? readErrorBody)(text)
  let verdict = rules.special?.(reading, response) ?? tableVerdict(status, reading, rules)
  if (rules.refine) verdict = rules.refine(verdict, response)
  const quoted = reading.message
    ? `: ${quote(reading.message, source.secrets, rules.quoteLength)}`
    : ''
  const note = verdict.note ? `; ${verdict.note}` : ''
  const doing = source.doing ? `${source.doing}: ` : ''
  const retryAfter =
    verdict.failure === 'rate-limited'
      ? (retryAfterSeconds(response.headers) ?? rules.retryAfter?.(reading))
      : undefined
  const message = `${doing}${verdict.what} (HTTP ${status})${quoted}${note}`
  return upstreamError(source.provider, verdict.failure, message, { status, retryAfter })
}

function tableVerdict(status: number, reading: ErrorReading, rules: ErrorRules): Verdict {
  const verdict = { ...statusVerdict(status), ...rules.statuses?.[status] }
  // Credentials and rate limits are decided by status alone: a 403 "prohibited" is no refusal.
  if (verdict.failure === 'unauthorized' || verdict.failure === 'rate-limited') return verdict
  if (status < 500 && isRefusal(reading, rules.refusal)) {
    return { failure: 'refused', what: 'refused the prompt' }
  }
  if (status === 404 && rules.notFound && !verdict.note) return { ...verdict, note: rules.notFound }
  return verdict
}

function isRefusal(reading: ErrorReading, refusal: ErrorRules['refusal']): boolean {
  if (!refusal) return false
  if (refusal.codes?.some((code) => reading.codes.includes(code))) return true
  return Boolean(reading.message && refusal.words?.test(reading.message))
}
