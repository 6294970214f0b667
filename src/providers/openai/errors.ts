import type { GatewayError } from '../../errors.ts'
import { errorFromReply } from '../upstream-errors.ts'

/**
 * Error replies of OpenAI-style image APIs: OpenAI's `{error: {message, type, param, code}}`,
 * Together's (same shape, or a bare `{message}`), LocalAI's `{error: {code: 500, message, type}}`,
 * and servers that answer `{error: "text"}` or a plain-text page (all read by
 * upstream-errors.ts). Shared by the `openai` and `together` providers.
 */

/** Codes of a safety refusal: GPT-image's and DALL-E's. */
const REFUSAL_CODES = ['moderation_blocked', 'content_policy_violation']
/** Refusal wording: DALL-E's "rejected as a result of our safety system", and NSFW filters. */
const REFUSAL =
  /safety system|content[ _-]?policy|\bmoderat(ion|ed)\b|\bnsfw\b|inappropriate content/i
/** Billing states that no retry can fix until someone pays (OpenAI sends them as 429). */
const NO_FUNDS_CODES = ['insufficient_quota', 'billing_hard_limit_reached']
const NO_CREDIT = 'the account has no credit left'

/** What `baseUrl` or `models` setting to name when the upstream says "no such thing". */
export type ErrorHints = { models: string; baseUrl: string }

/** Maps a non-2xx reply to the failure the pool acts on; `key` is masked in any quote. */
export function openaiStyleError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
  hints: ErrorHints,
): GatewayError {
  return errorFromReply({ provider, secrets: [key] }, response, text, {
    special({ codes, message }, { status }) {
      if (NO_FUNDS_CODES.some((code) => codes.includes(code))) {
        // The key cannot work until the account is topped up; cooling it down would only retry it.
        return { failure: 'unauthorized', what: NO_CREDIT, note: 'the key stays disabled' }
      }
      if (codes.includes('model_not_found') || (status === 404 && /model/i.test(message ?? ''))) {
        // This entry is misconfigured, not the client's request: let other targets serve it.
        const what = 'the model is not served there'
        return { failure: 'server', what, note: `check ${hints.models}` }
      }
      return undefined
    },
    statuses: {
      401: { what: key ? 'the API key was rejected' : 'the server wants an API key' },
      402: { what: NO_CREDIT },
    },
    refusal: { codes: REFUSAL_CODES, words: REFUSAL },
    notFound: `check ${hints.baseUrl}`,
  })
}
