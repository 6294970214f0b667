import { describeWait, GatewayError, toGatewayError } from '../errors.ts'
import { clientMayRetry } from '../http/client-retry.ts'
import { withTimeout } from '../http/deadline.ts'
import { abortOrNetworkError } from '../providers/http.ts'
import type { Route } from './catalogue.ts'
import {
  availability,
  availableAt,
  isLastResort,
  recordAttempt,
  recordFailure,
  recordSuccess,
  releaseProbe,
} from './health.ts'
import { reportOutcome, syncFleet } from './shared-state.ts'

export type PoolRunOptions = {
  /** Aborts when the client goes away (or, for a caller's own reasons, earlier). */
  signal: AbortSignal
  /**
   * Epoch ms by which the whole request must end (REQUEST_TIMEOUT): no attempt begins after it,
   * and each one is cut short at it, so `signal` need not carry it.
   */
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
 * The longest a request waits for a target to come out of a cooldown or circuit pause, and never
 * more than half of what is left of the request: a short wait beats refusing, a long one is the
 * client's to decide on (it gets Retry-After).
 */
export const MAX_WAIT_MS = 5_000

/**
 * Orders routes for one request: usable ones by priority (higher first), then a weighted
 * shuffle so load spreads across keys and providers of equal priority; after them, in the same
 * order, targets whose circuit chance opened (health.ts isLastResort).
 */
export function orderRoutes(routes: Route[], now: number, random = Math.random): Route[] {
  const usable: Route[] = []
  const lastResort: Route[] = []
  for (const route of routes) {
    const state = availability(route.target.health, now)
    if (state === 'ready' || state === 'probe') usable.push(route)
    else if (isLastResort(route.target.health, now)) lastResort.push(route)
  }
  return [...shuffle(usable, random), ...shuffle(lastResort, random)]
}

function shuffle(routes: Route[], random: () => number): Route[] {
  // Efraimidis-Spirakis: sorting by random^(1/weight) is a weighted shuffle.
  const keyed = routes.map((route) => ({ route, key: random() ** (1 / route.target.weight) }))
  keyed.sort((a, b) => b.route.target.priority - a.route.target.priority || b.key - a.key)
  return keyed.map(({ route }) => route)
}

/**
 * Runs `attempt` on one route after another until one succeeds, within the deadline. Each route
 * is tried at most once per request, and only while its target is usable, so a failing key is
 * never retried in a loop. Refusals and bad requests end the run at once; other failures mark
 * the target and move on. When no untried target is usable now but one will be soon (see
 * MAX_WAIT_MS), the request waits for it; otherwise it answers 503 with the earliest Retry-After.
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
  /** An attempt was cut off by the request deadline (its timer may run a little ahead of now()). */
  let deadlineHit = false
  for (;;) {
    if (options.signal.aborted || options.deadline - now() <= 0) break
    syncFleet(routes, now()) // rests other instances published (no-op without hooks)
    const untried = routes.filter((r) => !tried.has(r))
    const route = orderRoutes(untried, now(), options.random)[0]
    if (!route) {
      const wait = soonest(untried, now()) - now()
      if (!(wait > 0 && wait <= Math.min((options.deadline - now()) / 2, MAX_WAIT_MS))) break
      const wakeAt = now() + wait
      await sleep(wait, options.signal)
      // A clock that does not move with timers (one injected by a caller) would wait forever.
      if (now() < wakeAt - 1) break
      continue
    }
    tried.add(route)
    const remaining = options.deadline - now()
    // Given only what is left of the request, no more than its own UPSTREAM_TIMEOUT: then its
    // timer is the request deadline's.
    const cutShort = remaining <= options.attemptTimeoutMs
    const timeLimit = Math.min(options.attemptTimeoutMs, remaining)
    const { health } = route.target
    const lease = recordAttempt(health, now(), timeLimit)
    attempts++
    options.onAttempt?.(route)
    const { signal, done } = withTimeout(
      options.signal,
      timeLimit,
      cutShort ? 'The request timed out' : 'The upstream attempt timed out',
    )
    try {
      const value = await attempt(route, signal)
      recordSuccess(health)
      reportOutcome(route.target, 'success', now())
      return { value, route, attempts }
    } catch (thrown) {
      if (clientGone(options.signal)) {
        // The client's leaving says nothing about the target.
        releaseProbe(health, lease)
        break
      }
      const error = signal.aborted
        ? abortOrNetworkError(route.target.id, signal, thrown)
        : toGatewayError(thrown)
      if (!error.upstream) {
        releaseProbe(health, lease)
        throw error // our own bug or bad input, not the target's fault
      }
      if (cutShort && signal.aborted) {
        // It ran out of what was left of the request, not of its own UPSTREAM_TIMEOUT: the
        // deadline's doing. Counting it would let slow first targets open healthy circuits.
        releaseProbe(health, lease)
        failures.push(error)
        deadlineHit = true
        break
      }
      recordFailure(health, error, now(), lease)
      reportOutcome(route.target, error.upstream.failure, now())
      if (!error.retryable) throw error
      failures.push(error)
    } finally {
      done()
    }
  }
  throw finalError(
    routes,
    failures,
    options,
    deadlineHit ? Math.max(now(), options.deadline) : now(),
  )
}

/** When the first of `routes` may be tried again; Infinity when all are disabled (or none). */
function soonest(routes: Route[], now: number): number {
  return Math.min(...routes.map((route) => availableAt(route.target.health, now)))
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller then sees it aborted). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', wake)
      resolve()
    }
    const timer = setTimeout(wake, ms)
    signal.addEventListener('abort', wake, { once: true })
  })
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
  const retryAfter = Math.max(1, Math.ceil((next - now) / 1000))
  return new GatewayError(
    503,
    'all_targets_cooling_down',
    `Every upstream for this model is cooling down after rate limits or failures; try again in ${describeWait(retryAfter)}. ${reasons}`.trim(),
    { retryAfter },
  )
}
