import type { GatewayError, UpstreamFailure } from '../../errors.ts'
import { upstreamError } from '../http.ts'
import { failureForStatus, quote } from '../upstream-errors.ts'

/**
 * Workers AI failures, over REST (the v4 envelope's `errors: [{code, message}]`) and through the
 * binding (an Error whose message carries the code: "AiError: 3036: ...", "InferenceUpstreamError:
 * 3040: ...", "... (code 3030)"). Both map through one table, so a target behaves the same either
 * way. Codes: https://developers.cloudflare.com/workers-ai/platform/errors/
 */

/** One entry of the envelope's `errors`, or what a thrown binding error says. */
export type WorkersAiProblem = { code?: number; message: string }

const FAILURE_BY_CODE: Record<number, UpstreamFailure> = {
  3036: 'rate-limited', // daily free allocation used up (HTTP 429); resets 00:00 UTC
  3040: 'rate-limited', // out of capacity (HTTP 429)
  3030: 'refused', // "Input prompt contains NSFW content" (seen with 3030 and 8007)
  8007: 'refused',
  3023: 'unauthorized', // account blocked
  3041: 'unauthorized', // account not allowed for this model
  5016: 'unauthorized', // model terms not agreed
  5018: 'unauthorized', // account not allowed for private model
  5035: 'unauthorized', // model needs Workers Paid
  7003: 'unauthorized', // no such account: the configured account id is wrong
  9106: 'unauthorized', // missing token
  9109: 'unauthorized', // invalid token
  10000: 'unauthorized', // "Authentication error"
  3007: 'server', // request timeout (HTTP 408)
  3008: 'server', // request aborted upstream
  5007: 'server', // no such model: the model may be gone here yet served elsewhere
  3042: 'server',
  3003: 'bad-request', // bad input
  3006: 'bad-request', // request too large
  3010: 'bad-request', // invalid or incomplete input
  5006: 'bad-request', // input failed the model's schema
}

const NSFW = /nsfw/i
/** "3036: ...", "AiError: 3036 ...", "InferenceUpstreamError [AiError]: 3040: ...", "(code 3030)". */
const CODE_IN_MESSAGE = /(?:^|error\]?:\s*|\bcode:?\s*)(\d{4,5})\b/i
const ERROR_PREFIX = /^(?:\s*[A-Za-z]*Error(?:\s*\[[A-Za-z]+\])?:\s*)+(?:\d{4,5}:\s*)?/

/** The code a binding error message carries, if any. */
export function codeInMessage(message: string): number | undefined {
  const match = CODE_IN_MESSAGE.exec(message)
  return match ? Number(match[1]) : undefined
}

/** Seconds from `now` (epoch ms) until the next 00:00 UTC, when the free allocation resets. */
export function secondsUntilUtcMidnight(now: number): number {
  const midnight = new Date(now)
  midnight.setUTCHours(24, 0, 0, 0)
  return Math.max(1, Math.ceil((midnight.getTime() - now) / 1000))
}

function failureOf(problem: WorkersAiProblem): UpstreamFailure | null {
  if (NSFW.test(problem.message)) return 'refused'
  const code = problem.code ?? codeInMessage(problem.message)
  return (code !== undefined && FAILURE_BY_CODE[code]) || null
}

export type WorkersAiErrorOptions = {
  /** HTTP status over REST; absent for the binding. */
  status?: number
  /** From a `Retry-After` header, which Workers AI does not document but may send. */
  retryAfter?: number
  now: number
  /** Strings that must never reach a message (the account id and token). */
  secrets: string[]
}

/** The GatewayError for a failed Workers AI call; unknown codes fall back to the HTTP status. */
export function workersAiError(
  provider: string,
  problems: WorkersAiProblem[],
  options: WorkersAiErrorOptions,
): GatewayError {
  const { status } = options
  // The most telling entry wins: a known code or an NSFW refusal over a generic one.
  const problem = problems.find((entry) => failureOf(entry)) ?? problems[0]
  const failure =
    (problem && failureOf(problem)) ??
    (status !== undefined && status >= 400 ? failureForStatus(status) : 'server')
  const code = problem ? (problem.code ?? codeInMessage(problem.message)) : undefined
  const where = [status === undefined ? '' : `HTTP ${status}`, code ? `code ${code}` : '']
    .filter(Boolean)
    .join(', ')
  if (code === 3036) {
    return upstreamError(
      provider,
      failure,
      `daily free allocation of neurons used up (${where}); it resets at 00:00 UTC`,
      { status, retryAfter: secondsUntilUtcMidnight(options.now) },
    )
  }
  const text = problem ? clean(problem.message, options.secrets) : 'the call failed'
  return upstreamError(provider, failure, where ? `${text} (${where})` : text, {
    status,
    // 3040 and plain 429s: a short backoff (the pool's 10 s, doubling) unless the reply names one.
    retryAfter: failure === 'rate-limited' ? options.retryAfter : undefined,
  })
}

/** Maps an error thrown by `env.AI.run` the same way as a REST error. */
export function bindingError(
  provider: string,
  thrown: unknown,
  options: { now: number },
): GatewayError {
  const message = thrown instanceof Error ? thrown.message : String(thrown)
  return workersAiError(provider, [{ message }], {
    status: statusOf(thrown),
    now: options.now,
    secrets: [],
  })
}

/** Some runtime versions put the HTTP status on the thrown error. */
function statusOf(thrown: unknown): number | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined
  const fields = thrown as { status?: unknown; httpCode?: unknown }
  const status = fields.status ?? fields.httpCode
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined
}

/** Upstream text made client-safe: prefixes dropped, secrets masked, length bounded. */
function clean(message: string, secrets: string[]): string {
  return quote(message.replace(ERROR_PREFIX, '').trim() || message, secrets, 240) || 'no message'
}
