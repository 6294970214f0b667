import * as z from 'zod/mini'
import { withTimeout } from '../http/deadline.ts'
import { abortOrNetworkError, upstreamError } from './http.ts'
import { unsafeUrlReason } from './safe-url.ts'

/**
 * Shared plumbing for asynchronous upstreams (fal's queue, Replicate predictions, BFL tasks):
 * submit a job, poll its status with a growing interval that stops the moment the attempt's
 * signal aborts, and cancel the job on the way out when it never finished.
 */

/** First pause between polls; each later pause is 1.5 times longer, up to 4 times this. */
export const DEFAULT_POLL_INTERVAL_MS = 500
/** A cancel call is a courtesy to the upstream: it never holds an answer up for longer. */
export const CANCEL_TIMEOUT_MS = 1_000

/** `options.pollIntervalMs` of a polling provider's entry (tests make it short): 1-10000 ms. */
export const pollIntervalOption = z._default(
  z.int().check(z.minimum(1), z.maximum(10_000)),
  DEFAULT_POLL_INTERVAL_MS,
)

/** The pause after `previous`: 1.5 times longer, capped at 4 times the first (500 ms -> 2 s). */
export function nextInterval(previous: number, first: number): number {
  return Math.min(Math.round(previous * 1.5), first * 4)
}

/**
 * Waits `ms`, or rejects with the abort reason as soon as `signal` fires, clearing its timer, so
 * an abandoned poll loop neither sleeps on nor keeps the process alive.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

export type PollOptions = {
  /** Provider name, for the error an abort becomes. */
  provider: string
  signal: AbortSignal
  /** First pause, see pollIntervalOf. */
  intervalMs: number
}

/**
 * Waits, then calls `check`, until it returns a value. Every wait rejects on abort (as the
 * `timeout` GatewayError the pool expects), so polling ends with the attempt, never after it.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  let wait = options.intervalMs
  for (;;) {
    try {
      await sleep(wait, options.signal)
    } catch (error) {
      throw abortOrNetworkError(options.provider, options.signal, error)
    }
    const value = await check()
    if (value !== undefined) return value
    wait = nextInterval(wait, options.intervalMs)
  }
}

/**
 * Checks a job URL the upstream returned (status, result, cancel, polling URLs) before the key is
 * sent to it: it must pass safe-url.ts and stay with the provider, on the base URL's own host or,
 * over https, a sibling in its domain (BFL answers `api.bfl.ai` submissions with regional
 * `api.us1.bfl.ai` polling URLs). A key must never follow a link to somebody else's host.
 */
export function assertJobUrl(provider: string, raw: string, baseUrl: string): URL {
  const refuse = (why: string) =>
    upstreamError(provider, 'server', `refused to send the key to a job URL: ${why}`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw refuse('it is not a valid URL')
  }
  const unsafe = unsafeUrlReason(url, baseUrl)
  if (unsafe) throw refuse(unsafe)
  const host = url.hostname.toLowerCase()
  if (host === new URL(baseUrl).hostname.toLowerCase()) return url
  const domain = parentDomain(new URL(baseUrl).hostname.toLowerCase())
  if (domain && url.protocol === 'https:' && host.endsWith(`.${domain}`)) return url
  throw refuse(`${host} is not the provider's host`)
}

/**
 * The base host without its first label (`api.bfl.ai` -> `bfl.ai`), when at least two labels
 * remain; null for IP literals and two-label hosts, so `fal.run` never vouches for all of `.run`.
 */
function parentDomain(host: string): string | null {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return null
  const labels = host.split('.')
  return labels.length >= 3 ? labels.slice(1).join('.') : null
}

/**
 * Asks the upstream to stop a job we no longer wait for (client gone, deadline passed, failure),
 * so it stops costing money. Best effort: errors are swallowed and the call is bounded by
 * CANCEL_TIMEOUT_MS of its own, since the attempt's signal has usually fired already.
 */
export async function cancelQuietly(
  fetcher: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string> },
): Promise<void> {
  const { signal, done } = withTimeout(new AbortController().signal, CANCEL_TIMEOUT_MS)
  try {
    const response = await fetcher(url, { ...init, signal })
    // Read (not cancel) the short reply, so a keep-alive socket stays reusable.
    await response.arrayBuffer()
  } catch {
    // Nothing to do: the job times out upstream on its own.
  } finally {
    done()
  }
}
