import type { GatewayError } from '../../errors.ts'
import { type ErrorRules, errorFromReply } from '../upstream-errors.ts'

/**
 * SiliconFlow's error replies (docs.siliconflow.cn/en/faqs/error-code): a body
 * `{code, message, data}`; 400 bad parameters, 401 bad key, 403 permission (usually real-name
 * verification), 429 rate limit (the message says which of RPM/RPD/IPM/IPD...), 503/504
 * overload, 500 unknown; 402 "insufficient balance" is seen in the wild.
 */

/** Documented code for "Model does not exist": a configuration problem of this provider. */
const MODEL_NOT_FOUND = '20012'

const SILICONFLOW_RULES: ErrorRules = {
  special(reading) {
    if (!reading.codes.includes(MODEL_NOT_FOUND)) return undefined
    // Not the client's fault: this provider is misconfigured, so let other targets serve.
    return {
      failure: 'server',
      what: 'the model does not exist there',
      note: 'check SILICONFLOW_MODEL',
    }
  },
  statuses: {
    401: { what: 'the API key was rejected' },
    402: { what: 'insufficient account balance' },
    403: {
      note: 'SiliconFlow usually means the account needs real-name verification for this model',
    },
  },
  // Wording of content-moderation refusals, in English and Chinese.
  refusal: {
    words:
      /\b(nsfw|sensitive|inappropriate|unsafe content|content (policy|moderation|filter|safety|security)|moderat\w*|prohibited|violat\w*)\b|违规|敏感|审核|不安全|色情|涉政/i,
  },
  notFound: 'check SILICONFLOW_API_BASE',
}

/** Maps a non-2xx reply to the failure the pool acts on; `key` is masked in any quote. */
export function siliconflowError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  return errorFromReply({ provider, secrets: [key] }, response, text, SILICONFLOW_RULES)
}
