import * as z from 'zod'
import type { GatewayError, UpstreamFailure } from '../../errors.ts'
import { failureForStatus, retryAfterSeconds, upstreamError } from '../http.ts'

/**
 * Error replies of OpenAI-style image APIs: OpenAI's `{error: {message, type, param, code}}`
 * (reference/providers.md section 7), Together's (same shape, or a bare `{message}`; UNCONFIRMED),
 * LocalAI's `{error: {code: 500, message, type}}`, and servers that answer `{error: "text"}` or a
 * plain-text page. Shared by the `openai` and `together` providers.
 */

const errorBody = z.object({
  error: z
    .union([
      z.string(),
      z.object({
        message: z.string().nullish(),
        code: z.union([z.string(), z.number()]).nullish(),
      }),
    ])
    .nullish(),
  message: z.string().nullish(),
})

/** Codes of a safety refusal: GPT-image's and DALL-E's (from user reports; UNCONFIRMED). */
const REFUSAL_CODES = new Set(['moderation_blocked', 'content_policy_violation'])
/** Refusal wording: DALL-E's "rejected as a result of our safety system", and NSFW filters. */
const REFUSAL =
  /safety system|content[ _-]?policy|\bmoderat(ion|ed)\b|\bnsfw\b|inappropriate content/i
/** Billing states that no retry can fix until someone pays (OpenAI sends them as 429). */
const NO_FUNDS_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached'])

/** What `baseUrl` or `models` setting to name when the upstream says "no such thing". */
export type ErrorHints = { models: string; baseUrl: string }

/** Maps a non-2xx reply to the failure the pool acts on; `key` is scrubbed from any quote. */
export function openaiStyleError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
  hints: ErrorHints,
): GatewayError {
  const { status } = response
  const { code, message } = parseBody(text)
  const quoted = message ? `: ${scrub(message, key)}` : ''
  const options = { status }
  const fail = (failure: UpstreamFailure, what: string) =>
    upstreamError(provider, failure, `${what} (HTTP ${status})${quoted}`, options)

  if (status < 500 && ((code && REFUSAL_CODES.has(code)) || (message && REFUSAL.test(message)))) {
    return fail('refused', 'refused the prompt')
  }
  if ((code && NO_FUNDS_CODES.has(code)) || status === 402) {
    // The key cannot work until the account is topped up; cooling it down would only retry it.
    return fail('unauthorized', 'the account has no credit left; the key stays disabled')
  }
  if (status === 401) {
    return fail('unauthorized', key ? 'the API key was rejected' : 'the server wants an API key')
  }
  if (status === 403) return fail('unauthorized', 'access denied')
  if (status === 429) {
    return upstreamError(provider, 'rate-limited', `rate limit reached (HTTP 429)${quoted}`, {
      status,
      retryAfter: retryAfterSeconds(response.headers),
    })
  }
  if (code === 'model_not_found' || (status === 404 && /model/i.test(message ?? ''))) {
    // This entry is misconfigured, not the client's request: let other targets serve it.
    return fail('server', `the model is not served there; check ${hints.models}`)
  }
  if (status === 404) return fail('server', `not found; check ${hints.baseUrl}`)
  if (failureForStatus(status) === 'bad-request') return fail('bad-request', 'rejected the request')
  return fail('server', status === 503 || status === 504 ? 'overloaded' : 'server error')
}

/** The documented body, or for a proxy's plain-text page a short excerpt of it. */
function parseBody(text: string): { code?: string; message?: string } {
  let parsed: z.infer<typeof errorBody> | undefined
  try {
    const result = errorBody.safeParse(JSON.parse(text))
    if (result.success) parsed = result.data
  } catch {
    // Not JSON: fall through to the text itself.
  }
  if (!parsed) {
    const plain = text.trim()
    return plain && !plain.startsWith('<') ? { message: plain } : {}
  }
  const { error } = parsed
  if (typeof error === 'string') return { message: error }
  return {
    code: error?.code === null || error?.code === undefined ? undefined : String(error.code),
    message: error?.message ?? parsed.message ?? undefined,
  }
}

/** One short line with the key (if an upstream ever echoes it) masked. */
export function scrub(message: string, key: string | null): string {
  let text = message.replace(/\s+/g, ' ').trim()
  if (key && key.length >= 4) text = text.split(key).join('***')
  // Providers quote key prefixes in "Incorrect API key provided: sk-abc***xyz"; drop those too.
  text = text.replace(/\b(sk|tgp)[-_][A-Za-z0-9_*-]{4,}/g, '***')
  return text.length > 200 ? `${text.slice(0, 200)}...` : text
}
