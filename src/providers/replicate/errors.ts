import type { GatewayError } from '../../errors.ts'
import { upstreamError } from '../http.ts'
import { type ErrorRules, errorFromReply, quote } from '../upstream-errors.ts'

/**
 * Replicate's failures. HTTP errors are problem details, `{title?, detail, status}`: 401 bad
 * token, 402 no credit, 404 unknown model, 422 invalid input, 429 throttled with
 * `{"detail":"Request was throttled. Your rate limit resets in ~30s."}`. A prediction that runs
 * and fails answers 200 with `status: "failed"` and an `error` string; FLUX's safety checker
 * fails it with a message naming NSFW content.
 */

const THROTTLE_RESET = /resets? in ~?\s*(\d+)\s*s/i
const NSFW = /\bnsfw\b|sensitive content|safety checker/i

const REPLICATE_RULES: ErrorRules = {
  statuses: {
    401: { what: 'the token was rejected' },
    402: { what: 'insufficient credit', note: 'the token stays disabled until restart' },
    403: { what: 'the token was rejected' },
    422: { what: 'rejected the input' },
    429: { what: 'throttled' },
  },
  refusal: { words: NSFW },
  notFound: 'check the model id',
  // No Retry-After is documented; the detail names the wait instead.
  retryAfter(reading) {
    const named = THROTTLE_RESET.exec(reading.message ?? '')
    return named ? Number(named[1]) : undefined
  },
}

/** Maps a non-2xx reply to the failure the pool acts on; `key` is masked in any quote. */
export function replicateError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  return errorFromReply({ provider, secrets: [key] }, response, text, REPLICATE_RULES)
}

/** The failure for a prediction that ended `failed`, `canceled` or `aborted`. */
export function predictionError(
  provider: string,
  status: string,
  error: string | undefined,
  key: string | null,
): GatewayError {
  const quoted = error ? `: ${quote(error, [key])}` : ''
  if (status === 'failed' && error && NSFW.test(error)) {
    return upstreamError(provider, 'refused', `the safety checker refused the image${quoted}`)
  }
  return upstreamError(provider, 'server', `the prediction ${status}${quoted}`)
}
