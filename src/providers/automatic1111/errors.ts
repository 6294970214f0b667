import * as z from 'zod'
import type { GatewayError } from '../../errors.ts'
import { failureForStatus, retryAfterSeconds, upstreamError } from '../http.ts'
import { scrub } from '../openai/errors.ts'

/**
 * Errors of the AUTOMATIC1111 / Forge API (FastAPI): 401 `{detail}` under `--api-auth`, 404
 * `{detail: "Not Found"}` when the WebUI runs without `--api`, 422 `{detail: [{loc, msg, type}]}`
 * for a bad field, and 500 `{error, detail, body, errors}` from its exception handler (e.g.
 * "CUDA out of memory" in `errors`). A reverse proxy in front may add 429 or 502-504 pages.
 * There is no content refusal: a local WebUI has no moderation.
 */

const errorBody = z.object({
  detail: z.union([z.string(), z.array(z.object({ msg: z.string().nullish() }))]).nullish(),
  error: z.string().nullish(),
  errors: z.string().nullish(),
})

/** Maps a non-2xx reply to the failure the pool acts on; `key` is scrubbed from any quote. */
export function automatic1111Error(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  const { status } = response
  const message = messageOf(text)
  const quoted = message ? `: ${scrub(message, key)}` : ''
  const options = { status }
  if (status === 401 || status === 403) {
    const what = key
      ? 'the WebUI rejected the credentials'
      : 'the WebUI wants credentials (--api-auth): set the entry\'s keys to ["user:password"]'
    return upstreamError(provider, 'unauthorized', `${what} (HTTP ${status})${quoted}`, options)
  }
  if (status === 429) {
    return upstreamError(provider, 'rate-limited', `rate limit reached (HTTP 429)${quoted}`, {
      status,
      retryAfter: retryAfterSeconds(response.headers),
    })
  }
  if (status === 404) {
    // Not the client's fault: this backend is misconfigured, so let other targets serve.
    return upstreamError(
      provider,
      'server',
      'no /sdapi/v1/txt2img there (HTTP 404); start the WebUI with --api and check the entry\'s "baseUrl"',
      options,
    )
  }
  const failure = failureForStatus(status)
  if (failure === 'bad-request') {
    return upstreamError(
      provider,
      failure,
      `rejected the request (HTTP ${status})${quoted}`,
      options,
    )
  }
  return upstreamError(provider, 'server', `failed (HTTP ${status})${quoted}`, options)
}

/** The most telling text of the body: `errors`, then `detail`, then `error`, or plain text. */
function messageOf(text: string): string | undefined {
  try {
    const parsed = errorBody.safeParse(JSON.parse(text))
    if (parsed.success) {
      const { detail, error, errors } = parsed.data
      const details = Array.isArray(detail)
        ? detail
            .map((entry) => entry.msg ?? '')
            .filter(Boolean)
            .join('; ')
        : detail
      return errors || details || error || undefined
    }
  } catch {
    // Not JSON: fall through to the text itself.
  }
  const plain = text.trim()
  return plain && !plain.startsWith('<') ? plain : undefined
}
