import * as z from 'zod'
import type { GatewayError } from '../../errors.ts'
import { retryAfterSeconds, upstreamError } from '../http.ts'

/**
 * SiliconFlow's error replies (docs.siliconflow.cn/en/faqs/error-code): a body
 * `{code, message, data}`; 400 bad parameters, 401 bad key, 403 permission (usually real-name
 * verification), 429 rate limit (the message says which of RPM/RPD/IPM/IPD...), 503/504
 * overload, 500 unknown; 402 "insufficient balance" is seen in the wild.
 */

const errorBody = z.object({
  code: z.union([z.number(), z.string()]).nullish(),
  message: z.string().nullish(),
})

/** Documented code for "Model does not exist": a configuration problem of this provider. */
const MODEL_NOT_FOUND = 20012

/** Wording of content-moderation refusals, in English and Chinese. */
const REFUSAL =
  /\b(nsfw|sensitive|inappropriate|unsafe content|content (policy|moderation|filter|safety|security)|moderat\w*|prohibited|violat\w*)\b|违规|敏感|审核|不安全|色情|涉政/i

/** Maps a non-2xx reply to the failure the pool acts on; `key` is scrubbed from any quote. */
export function siliconflowError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  const { status } = response
  const { code, message } = parseBody(text)
  const quoted = message ? `: ${scrub(message, key)}` : ''
  const options = { status }
  switch (status) {
    case 401:
      return upstreamError(
        provider,
        'unauthorized',
        `the API key was rejected (HTTP 401)${quoted}`,
        options,
      )
    case 402:
      // The key cannot work until someone tops the account up; retrying it only adds load.
      return upstreamError(
        provider,
        'unauthorized',
        `insufficient account balance (HTTP 402)${quoted}; the key stays disabled until restart`,
        options,
      )
    case 403:
      return upstreamError(
        provider,
        'unauthorized',
        `access denied (HTTP 403)${quoted}; SiliconFlow usually means the account needs real-name verification for this model`,
        options,
      )
    case 429:
      return upstreamError(provider, 'rate-limited', `rate limit reached (HTTP 429)${quoted}`, {
        status,
        retryAfter: retryAfterSeconds(response.headers),
      })
  }
  if (status < 500 && message && REFUSAL.test(message)) {
    return upstreamError(
      provider,
      'refused',
      `refused the prompt (HTTP ${status})${quoted}`,
      options,
    )
  }
  if (Number(code) === MODEL_NOT_FOUND) {
    // Not the client's fault: this provider is misconfigured, so let other targets serve.
    return upstreamError(
      provider,
      'server',
      `the model does not exist there (HTTP ${status}); check SILICONFLOW_MODEL`,
      options,
    )
  }
  if (status === 404) {
    return upstreamError(
      provider,
      'server',
      `not found (HTTP 404); check SILICONFLOW_API_BASE`,
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
  const what = status === 503 || status === 504 ? 'overloaded' : 'server error'
  return upstreamError(provider, 'server', `${what} (HTTP ${status})${quoted}`, options)
}

/** The documented body, or for a proxy's plain-text page a short excerpt of it. */
function parseBody(text: string): { code?: number | string | null; message?: string | null } {
  try {
    const parsed = errorBody.safeParse(JSON.parse(text))
    if (parsed.success) return parsed.data
  } catch {
    // Not JSON: fall through to the text itself.
  }
  const plain = text.trim()
  return plain && !plain.startsWith('<') ? { message: plain } : {}
}

/** One short line with the key (if an upstream ever echoes it) replaced. */
function scrub(message: string, key: string | null): string {
  let text = message.replace(/\s+/g, ' ').trim()
  if (key && key.length >= 4) text = text.split(key).join('***')
  return text.length > 200 ? `${text.slice(0, 200)}...` : text
}
