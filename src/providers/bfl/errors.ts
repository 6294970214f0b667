import type { GatewayError } from '../../errors.ts'
import { type ErrorRules, errorFromReply } from '../upstream-errors.ts'

/**
 * BFL's HTTP errors (docs.bfl.ai/api_integration/errors): 400, 402 out of credits, 403, 422
 * validation as `{detail: [{loc, msg, type}]}`, 429 too many active tasks, 500, 503. Moderation
 * is mostly not an HTTP error there: it is a task status, handled by the poller (task.ts).
 */
const BFL_RULES: ErrorRules = {
  statuses: {
    402: { what: 'out of credits' },
    403: { what: 'the key was rejected' },
    429: { what: 'too many active tasks' },
  },
  refusal: { words: /\bmoderat\w*|\bnsfw\b|content policy/i },
  notFound: 'check the model id',
}

/** Maps a non-2xx reply (submit or poll) to the failure the pool acts on. */
export function bflError(
  provider: string,
  response: Response,
  text: string,
  key: string | null,
): GatewayError {
  return errorFromReply({ provider, secrets: [key] }, response, text, BFL_RULES)
}
