/**
 * The one error class of the gateway. Everything that can fail a request throws a GatewayError;
 * the single error handler in app.ts turns it into OpenAI's error shape (SPEC section 6).
 * Messages must be safe to show a client: never put a key, token or stack in one.
 */

/** Why an upstream attempt failed; the pool decides what to do next from this alone. */
export type UpstreamFailure =
  | 'rate-limited' // 429 or quota: cool the target down
  | 'unauthorized' // 401/403: disable the key until restart
  | 'refused' // content policy: never retried
  | 'bad-request' // the upstream rejected our parameters: retrying elsewhere will not help
  | 'server' // 5xx or a malformed reply: trip the circuit, try the next target
  | 'timeout' // the attempt ran past UPSTREAM_TIMEOUT
  | 'network' // connection refused, reset, DNS

export type GatewayErrorOptions = {
  cause?: unknown
  /** Overrides the default retry rule (408, 429 and 5xx are retryable). */
  retryable?: boolean
  /** OpenAI's `type`; derived from the status when absent. */
  type?: string
  /** The request field at fault, if any. */
  param?: string
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number
  /** Set on errors raised by a provider call. */
  upstream?: { failure: UpstreamFailure; provider: string; status?: number }
}

export class GatewayError extends Error {
  readonly status: number
  readonly code: string
  readonly type: string
  readonly param: string | null
  readonly retryable: boolean
  readonly retryAfter: number | undefined
  readonly upstream: GatewayErrorOptions['upstream']

  constructor(status: number, code: string, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = 'GatewayError'
    this.status = status
    this.code = code
    this.type = options.type ?? typeForStatus(status)
    this.param = options.param ?? null
    this.retryable = options.retryable ?? (status === 408 || status === 429 || status >= 500)
    this.retryAfter = options.retryAfter
    this.upstream = options.upstream
  }
}

function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 503) return 'service_unavailable'
  if (status === 504) return 'timeout_error'
  if (status >= 500) return 'api_error'
  return 'invalid_request_error'
}

export const badRequest = (message: string, param?: string) =>
  new GatewayError(400, 'invalid_request', message, { param })

export const notFound = (message: string, code = 'not_found') =>
  new GatewayError(404, code, message)

/** OpenAI's error body: `{error: {message, type, code, param}}`. */
export function errorBody(error: GatewayError) {
  return {
    error: { message: error.message, type: error.type, code: error.code, param: error.param },
  }
}

/** Headers every error response carries, so clients neither hammer nor give up too early. */
export function errorHeaders(error: GatewayError): Record<string, string> {
  const headers: Record<string, string> = {}
  if (error.retryAfter !== undefined) headers['Retry-After'] = String(Math.ceil(error.retryAfter))
  // OpenAI's SDK and the AI SDK retry 5xx unless told not to; each retry would cost an image.
  if (!error.retryable) headers['x-should-retry'] = 'false'
  return headers
}

/** Wraps anything thrown into a GatewayError; unknown errors become a generic 500. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  return new GatewayError(500, 'internal_error', 'Internal server error', { cause: error })
}
