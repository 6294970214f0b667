import type { GatewayError } from '../../errors.ts'
import { type ErrorRules, errorFromReply } from '../upstream-errors.ts'

/**
 * fal's error replies (fal.ai/docs/documentation/model-apis/errors): a body
 * `{detail: [{loc, msg, type, ctx}]}` (or `{detail: "text"}` from the gateway in front, for
 * auth), and an optional `X-Fal-Retryable: true|false` saying whether the same request might
 * succeed later. 422 is validation, or `content_policy_violation`; 5xx are not billed.
 */
const FAL_RULES: ErrorRules = {
  statuses: {
    // fal answers 403 "User is locked. Reason: Exhausted balance." until someone tops up.
    403: { note: 'the key stays disabled until restart' },
    429: { what: 'too many requests' },
  },
  refusal: {
    codes: ['content_policy_violation'],
    words: /\b(nsfw|content policy|unsafe|inappropriate|moderat\w*)\b/i,
  },
  notFound: 'check the model id and baseUrl',
  refine(verdict, response) {
    const retryable = response.headers.get('x-fal-retryable')?.toLowerCase()
    // fal's own word on whether the same request may succeed later outranks the status.
    if (verdict.failure === 'bad-request' && retryable === 'true') {
      return { failure: 'server', what: 'server error' }
    }
    if (verdict.failure === 'server' && retryable === 'false') {
      return { ...verdict, note: 'fal says a retry would fail the same way' }
    }
    return verdict
  },
}

/** Maps a non-2xx reply (submit, status, result) to the failure the pool acts on. */
export function falError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  return errorFromReply({ provider, secrets: [key] }, response, text, FAL_RULES)
}
