import type * as z from 'zod/mini'
import { GatewayError, type UpstreamFailure } from '../errors.ts'

/**
 * Shared plumbing for HTTP providers: the call itself, and the mapping from an upstream's
 * failure to the GatewayError the pool acts on. Error replies are read in upstream-errors.ts.
 */

/** The client-facing status and code for each kind of upstream failure. */
const FAILURE_STATUS: Record<UpstreamFailure, [number, string]> = {
  'rate-limited': [503, 'upstream_rate_limited'],
  unauthorized: [502, 'upstream_unauthorized'],
  refused: [400, 'content_policy_violation'],
  'bad-request': [400, 'upstream_rejected_request'],
  server: [502, 'upstream_error'],
  timeout: [504, 'upstream_timeout'],
  network: [502, 'upstream_unreachable'],
}

/** Builds the error a provider throws; the message must not contain a key or token. */
export function upstreamError(
  provider: string,
  failure: UpstreamFailure,
  message: string,
  options: { status?: number; retryAfter?: number; cause?: unknown } = {},
): GatewayError {
  const [status, code] = FAILURE_STATUS[failure]
  return new GatewayError(status, code, `${provider}: ${message}`, {
    cause: options.cause,
    retryAfter: options.retryAfter,
    retryable: failure !== 'refused' && failure !== 'bad-request',
    upstream: { failure, provider, status: options.status },
  })
}

/**
 * `fetch` that turns network failures and aborts into GatewayErrors. Any status is returned as
 * is: the provider reads the body and decides (upstream-errors.ts).
 */
export function callUpstream(
  provider: string,
  fetcher: typeof fetch,
  url: string,
  init: RequestInit & { signal: AbortSignal },
): Promise<Response> {
  // A rejection handler, not an async function's frame held for as long as the upstream takes.
  const failed = (error: unknown) => {
    throw abortOrNetworkError(provider, init.signal, error)
  }
  try {
    return fetcher(url, init).catch(failed)
  } catch (error) {
    return Promise.reject(abortOrNetworkError(provider, init.signal, error))
  }
}

/** Maps an exception from fetch or a body read to a timeout (if our signal fired) or a network error. */
export function abortOrNetworkError(
  provider: string,
  signal: AbortSignal,
  error: unknown,
): GatewayError {
  if (error instanceof GatewayError) return error
  if (signal.aborted) {
    const reason = signal.reason
    if (reason instanceof GatewayError) return reason
    return upstreamError(provider, 'timeout', 'no answer in time', { cause: error })
  }
  return upstreamError(provider, 'network', 'could not connect', { cause: error })
}

/** Reads a JSON body, or throws a `server` failure quoting at most a short, safe excerpt. */
export async function readJson(
  provider: string,
  response: Response,
  signal: AbortSignal,
): Promise<unknown> {
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    throw abortOrNetworkError(provider, signal, error)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw upstreamError(provider, 'server', `malformed reply (HTTP ${response.status})`, {
      status: response.status,
    })
  }
}

/** `JSON.parse` that answers undefined for text that is not JSON, for schema checks to refuse. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Headers of a JSON request, with the credential when there is one (`Bearer k`, `Key k`). */
export function jsonHeaders(authorization?: string): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
  }
  if (authorization) headers.authorization = authorization
  return headers
}

/** Who is calling an upstream, and with what: the part every call shares. */
export type UpstreamCall = { provider: string; fetch: typeof fetch; signal: AbortSignal }

/**
 * Calls an upstream and reads its body as text; a non-2xx status goes through `mapError`, the
 * provider's own reading of its error bodies. Network failures and aborts while sending or
 * reading become `network`/`timeout` failures.
 */
export async function callForText(
  call: UpstreamCall,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: BodyInit },
  mapError: (response: Response, text: string) => GatewayError,
): Promise<{ response: Response; text: string }> {
  const { provider, signal } = call
  const response = await callUpstream(provider, call.fetch, url, { ...init, signal })
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    throw abortOrNetworkError(provider, signal, error)
  }
  if (!response.ok) throw mapError(response, text)
  return { response, text }
}

/** `callForText`, then the body checked against `schema`; a reply that does not fit is `server`. */
export async function callJson<T>(
  call: UpstreamCall,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: BodyInit },
  schema: z.ZodMiniType<T>,
  mapError: (response: Response, text: string) => GatewayError,
): Promise<T> {
  const { response, text } = await callForText(call, url, init, mapError)
  const parsed = schema.safeParse(parseJson(text))
  if (!parsed.success) {
    const { status } = response
    const message = `the reply was not the documented JSON (HTTP ${status})`
    throw upstreamError(call.provider, 'server', message, { status })
  }
  return parsed.data
}
