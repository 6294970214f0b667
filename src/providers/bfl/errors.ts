import type { GatewayError } from '../../errors.ts'
import { retryAfterSeconds, upstreamError } from '../http.ts'
import { readErrorDetail } from '../poll.ts'

/**
 * BFL's HTTP errors (docs.bfl.ai/api_integration/errors): 400, 402 out of credits, 403, 422
 * validation as `{detail: [{loc, msg, type}]}`, 429 too many active tasks, 500, 503. Moderation
 * is not an HTTP error there: it is a task status, handled by the poller.
 */

const MODERATION = /\bmoderat\w*|\bnsfw\b|content policy/i

/** Maps a non-2xx reply (submit or poll) to the failure the pool acts on. */
export function bflError(
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
      `the key was rejected (HTTP ${status})${quoted}`,
      options,
    )
  }
  if (status === 402) {
    // No credits left: the key cannot work until someone buys more, so stop using it.
    return upstreamError(
      provider,
      'unauthorized',
      `out of credits (HTTP 402)${quoted}; the key stays disabled until restart`,
      options,
    )
  }
  if (status === 429) {
    return upstreamError(provider, 'rate-limited', `too many active tasks (HTTP 429)${quoted}`, {
      status,
      retryAfter: retryAfterSeconds(response.headers),
    })
  }
  if (status < 500 && MODERATION.test(message ?? '')) {
    return upstreamError(
      provider,
      'refused',
      `refused the prompt (HTTP ${status})${quoted}`,
      options,
    )
  }
  if (status === 404) {
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
      `rejected the request (HTTP ${status})${quoted}`,
      options,
    )
  }
  const what = status === 503 ? 'unavailable' : 'server error'
  return upstreamError(provider, 'server', `${what} (HTTP ${status})${quoted}`, options)
}
