import { GatewayError, toGatewayError } from '../errors.ts'
import { clientMayRetry } from '../http/client-retry.ts'
import { withTimeout } from '../http/deadline.ts'
import { abortOrNetworkError } from '../providers/http.ts'
import type { Route } from './catalogue.ts'
import {
  availability,
  availableAt,
  recordAttempt,
  recordFailure,
  recordSuccess,
  releaseProbe,
} from './health.ts'
import { reportOutcome, syncFleet } from './shared-state.ts'

export type PoolRunOptions = {
  /** Aborts when the client goes away or the request deadline passes. */
  signal: AbortSignal
  /** Epoch ms by which the whole request must end (REQUEST_TIMEOUT). */
  deadline: number
  /** Longest single upstream attempt (UPSTREAM_TIMEOUT). */
  attemptTimeoutMs: number
  now?: () => number
  random?: () => number
  /** Called before each attempt, e.g. to tell a streaming client which provider is working. */
  onAttempt?: (route: Route) => void
}

export type PoolRunResult<T> = { value: T; route: Route; attempts: number }

/**
 * Orders routes for one request: healthy ones by priority (higher first), then a weighted
 * shuffle so load spreads across keys and providers of equal priority.
 */
export function orderRoutes(routes: Route[], now: number, random = Math.random): Route[] {
  const usable = routes.filter((route) => {
    const state = availability(route.target.health, now)
    return state === 'ready' || state === 'probe'
  })
  // Efraimidis-Spirakis: sorting by random^(1/weight) is a weighted shuffle.
  const keyed = usable.map((route) => ({ route, key: random() ** (1 / route.target.weight) }))
  keyed.sort((a, b) => b.route.target.priority - a.route.target.priority || b.key - a.key)
  return keyed.map(({ route }) => route)
}

/**
 * Runs `attempt` on one route after another until one succeeds, within the deadline. Each route
 * is tried at most once per request, and only while its target is usable, so a failing key is
 * never retried in a loop. Refusals and bad requests end the run at once; other failures mark
 * the target and move on. The pool never waits for a cooldown: when nothing is usable it
 * answers 503 with the earliest Retry-After at once.
 */
export async function runWithFailover<T>(
  routes: Route[],
  attempt: (route: Route, signal: AbortSignal) => Promise<T>,
  options: PoolRunOptions,
): Promise<PoolRunResult<T>> {
  const now = options.now ?? Date.now
  const failures: GatewayError[] = []
  const tried = new Set<Route>()
  let attempts = 0
  for (;;) {
    if (options.signal.aborted || options.deadline - now() <= 0) break
    syncFleet(routes, now()) // rests other instances published (no-op without hooks)
    const route = orderRoutes(routes, now(), options.random).find((r) => !tried.has(r))
    if (!route) break
    tried.add(route)
    const remaining = options.deadline - now()
    // Given only what is left of the request, less than its own UPSTREAM_TIMEOUT.
    const cutShort = remaining < options.attemptTimeoutMs
    const { health } = route.target
    recordAttempt(health, now(), availability(health, now()) === 'probe')
    attempts++
    options.onAttempt?.(route)
    const { signal, done } = withTimeout(
      options.signal,
      Math.min(options.attemptTimeoutMs, remaining),
      'The upstream attempt timed out',
    )
    try {
      const value = await attempt(route, signal)
      recordSuccess(health)
      reportOutcome(route.target, 'success', now())
      return { value, route, attempts }
    } catch (thrown) {
      if (clientGone(options.signal)) {
        // The client's leaving says nothing about the target.
        releaseProbe(health)
        break
      }
      const error = signal.aborted
        ? abortOrNetworkError(route.target.id, signal, thrown)
        : toGatewayError(thrown)
      if (!error.upstream) {
        releaseProbe(health)
        throw error // our own bug or bad input, not the target's fault
      }
      if (cutShort && signal.aborted) {
        // It ran out of what was left of the request, not of its own UPSTREAM_TIMEOUT: the
        // deadline's doing. Counting it would let slow first targets open healthy circuits.
        releaseProbe(health)
        failures.push(error)
        break
      }
      recordFailure(health, error, now())
      reportOutcome(route.target, error.upstream.failure, now())
      if (!error.retryable) throw error
      failures.push(error)
    } finally {
      done()
    }
  }
  throw finalError(routes, failures, options, now())
}

/** True when the run's signal fired for a reason other than the request deadline. */
function clientGone(signal: AbortSignal): boolean {
  if (!signal.aborted) return false
  const reason: unknown = signal.reason
  return !(reason instanceof Error && reason.name === 'TimeoutError')
}

/** The error for a run in which no target produced an image. */
function finalError(
  routes: Route[],
  failures: GatewayError[],
  options: PoolRunOptions,
  now: number,
): GatewayError {
  const reasons = failures.map((failure) => failure.message).join('; ')
  const retryable = clientMayRetry(failures.flatMap((failure) => failure.upstream?.failure ?? []))
  if (clientGone(options.signal) && now < options.deadline) {
    return new GatewayError(499, 'client_closed', 'The client closed the request')
  }
  if (now >= options.deadline || options.signal.aborted) {
    return new GatewayError(
      504,
      'timeout',
      `No image within the request timeout. ${reasons}`.trim(),
      { retryable },
    )
  }
  const targets = [...new Set(routes.map((route) => route.target))]
  const next = Math.min(...targets.map((target) => availableAt(target.health, now)))
  if (!Number.isFinite(next)) {
    return new GatewayError(
      502,
      'no_usable_upstream',
      `Every upstream key for this model is disabled (rejected credentials); see /v1/status. ${reasons}`.trim(),
      { retryable: false },
    )
  }
  const broken = failures.some((failure) => {
    const kind = failure.upstream?.failure
    return kind === 'server' || kind === 'timeout' || kind === 'network'
  })
  if (broken) {
    return new GatewayError(502, 'upstream_failed', `Every upstream failed: ${reasons}`, {
      retryable,
    })
  }
  // Only rate limits and disabled keys (or nothing usable to begin with): waiting will help.
  return new GatewayError(
    503,
    'all_targets_cooling_down',
    `Every upstream for this model is cooling down after rate limits or failures. ${reasons}`.trim(),
    { retryAfter: Math.max(1, Math.ceil((next - now) / 1000)) },
  )
}
