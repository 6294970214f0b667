import type { GatewayError } from '../../errors.ts'
import { retryAfterSeconds, upstreamError } from '../http.ts'
import { readErrorDetail, scrub } from '../poll.ts'

/**
 * Replicate's failures. HTTP errors are problem details, `{title?, detail, status}`: 401 bad
 * token, 402 no credit, 404 unknown model, 422 invalid input, 429 throttled with
 * `{"detail":"Request was throttled. Your rate limit resets in ~30s."}`. A prediction that runs
 * and fails answers 200 with `status: "failed"` and an `error` string; FLUX's safety checker
 * fails it with a message naming NSFW content.
 */

const THROTTLE_RESET = /resets? in ~?\s*(\d+)\s*s/i
const NSFW = /\bnsfw\b|sensitive content|safety checker/i

/** Maps a non-2xx reply to the failure the pool acts on; `key` is scrubbed from any quote. */
export function replicateError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  const { status } = response
  const { message } = readErrorDetail(text, key)
  const quoted = message ? `: ${message}` : ''
  const options = { status }
  if (status === 401 || status === 403) {
    return upstreamError(
      provider,
      'unauthorized',
      `the token was rejected (HTTP ${status})${quoted}`,
      options,
    )
  }
  if (status === 402) {
    return upstreamError(
      provider,
      'unauthorized',
      `insufficient credit (HTTP 402)${quoted}; the token stays disabled until restart`,
      options,
    )
  }
  if (status === 429) {
    // No Retry-After is documented; the detail names the wait instead.
    const named = THROTTLE_RESET.exec(message ?? '')
    return upstreamError(provider, 'rate-limited', `throttled (HTTP 429)${quoted}`, {
      status,
      retryAfter: retryAfterSeconds(response.headers) ?? (named ? Number(named[1]) : undefined),
    })
  }
  if (status < 500 && NSFW.test(message ?? '')) {
    return upstreamError(
      provider,
      'refused',
      `refused the prompt (HTTP ${status})${quoted}`,
      options,
    )
  }
  if (status === 404) {
    // A misspelt model or base URL: this target's problem, so others may serve.
    return upstreamError(
      provider,
      'server',
      `not found (HTTP 404)${quoted}; check the model id`,
      options,
    )
  }
  if (status >= 400 && status < 500) {
    return upstreamError(
      provider,
      'bad-request',
      `rejected the input (HTTP ${status})${quoted}`,
      options,
    )
  }
  return upstreamError(provider, 'server', `server error (HTTP ${status})${quoted}`, options)
}

/** The failure for a prediction that ended `failed`, `canceled` or `aborted`. */
export function predictionError(
  provider: string,
  status: string,
  error: string | undefined,
  key: string | null,
): GatewayError {
  const quoted = error ? `: ${scrub(error, key)}` : ''
  if (status === 'failed' && error && NSFW.test(error)) {
    return upstreamError(provider, 'refused', `the safety checker refused the image${quoted}`)
  }
  return upstreamError(provider, 'server', `the prediction ${status}${quoted}`)
}
