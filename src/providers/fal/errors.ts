import type { GatewayError } from '../../errors.ts'
import { retryAfterSeconds, upstreamError } from '../http.ts'
import { readErrorDetail } from '../poll.ts'

/**
 * fal's error replies (fal.ai/docs/documentation/model-apis/errors): a body
 * `{detail: [{loc, msg, type, ctx}]}` (or `{detail: "text"}` from the gateway in front, for
 * auth), and an optional `X-Fal-Retryable: true|false` saying whether the same request might
 * succeed later. 422 is validation, or `content_policy_violation`; 5xx are not billed.
 */

/** Error types that mean the prompt or its image was judged unacceptable. */
const REFUSAL_TYPES = new Set(['content_policy_violation'])
const REFUSAL_WORDS = /\b(nsfw|content policy|unsafe|inappropriate|moderat\w*)\b/i

/** Maps a non-2xx reply (submit, status, result) to the failure the pool acts on. */
export function falError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  const { status } = response
  const { message, types } = readErrorDetail(text, key)
  const quoted = message ? `: ${message}` : ''
  const options = { status }
  if (status === 401) {
    return upstreamError(
      provider,
      'unauthorized',
      `the key was rejected (HTTP 401)${quoted}`,
      options,
    )
  }
  if (status === 402 || status === 403) {
    // fal answers 403 "User is locked. Reason: Exhausted balance." until someone tops up.
    return upstreamError(
      provider,
      'unauthorized',
      `access denied (HTTP ${status})${quoted}; the key stays disabled until restart`,
      options,
    )
  }
  if (status === 429) {
    return upstreamError(provider, 'rate-limited', `too many requests (HTTP 429)${quoted}`, {
      status,
      retryAfter: retryAfterSeconds(response.headers),
    })
  }
  if (
    status < 500 &&
    (types.some((type) => REFUSAL_TYPES.has(type)) || REFUSAL_WORDS.test(message ?? ''))
  ) {
    return upstreamError(
      provider,
      'refused',
      `refused the prompt (HTTP ${status})${quoted}`,
      options,
    )
  }
  const retryable = response.headers.get('x-fal-retryable')?.toLowerCase()
  if (status === 404) {
    // Not the client's fault: a wrong endpoint id or base URL; other targets may serve.
    return upstreamError(
      provider,
      'server',
      `not found (HTTP 404)${quoted}; check the model id and baseUrl`,
      options,
    )
  }
  if (status >= 400 && status < 500 && retryable !== 'true') {
    return upstreamError(
      provider,
      'bad-request',
      `rejected the request (HTTP ${status})${quoted}`,
      options,
    )
  }
  const note = retryable === 'false' ? '; fal says a retry would fail the same way' : ''
  return upstreamError(provider, 'server', `server error (HTTP ${status})${quoted}${note}`, options)
}
