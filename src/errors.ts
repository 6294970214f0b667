import { HTTPException } from 'hono/http-exception'

/**
 * The one error class of the gateway. Everything that can fail a request throws a GatewayError;
 * one renderer (http/error-response.ts) turns it into OpenAI's error shape,
 * `{error: {message, type, code, param}}`, which every OpenAI SDK parses.
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

/**
 * The longest Retry-After a client is left to sleep through. OpenAI's Node SDK sleeps for
 * whatever it is told (a spent daily quota says 23 hours, and the sleep cannot be aborted);
 * OpenAI's Python SDK stops honouring Retry-After above 60 s. Past this, clients are told not
 * to retry and the message says how long to wait.
 */
export const MAX_CLIENT_RETRY_WAIT_SECONDS = 60

/** "45 s", "12 min", "23 h 29 min": a wait in words for error messages. */
export function describeWait(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds))
  if (whole < 60) return `${whole} s`
  const minutes = Math.ceil(whole / 60)
  if (minutes < 60) return `${minutes} min`
  const rest = minutes % 60
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${minutes / 60} h`
}

/** Headers every error response carries, so clients neither hammer nor give up too early. */
export function errorHeaders(error: GatewayError): Record<string, string> {
  const headers: Record<string, string> = {}
  const wait = error.retryAfter
  if (wait !== undefined) headers['Retry-After'] = String(Math.ceil(wait))
  // OpenAI's SDK and the AI SDK retry 5xx unless told not to; each retry would cost an image.
  const tooLong = wait !== undefined && wait > MAX_CLIENT_RETRY_WAIT_SECONDS
  if (!error.retryable || tooLong) headers['x-should-retry'] = 'false'
  return headers
}

/** Codes for the statuses Hono's own middleware and helpers throw as HTTPException. */
const HTTP_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'request_too_large',
}

/**
 * Wraps anything thrown into a GatewayError. Hono's HTTPException keeps its 4xx status (its
 * messages are written for clients); anything else becomes a generic 500 whose cause is logged,
 * never sent, since a message from deep inside a library may quote a URL, header or key.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
    const message = error.message || `The request failed with HTTP ${error.status}.`
    return new GatewayError(error.status, HTTP_CODES[error.status] ?? 'http_error', message, {
      cause: error,
    })
  }
  return new GatewayError(500, 'internal_error', 'Internal server error', { cause: error })
}
