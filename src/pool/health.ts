import type { GatewayError } from '../errors.ts'
import type { TargetHooks } from './shared-state.ts'

/**
 * Health of one target (provider + key): cooldown after rate limits, disabled after auth
 * failures, and a circuit that opens after consecutive server failures and lets one probe
 * through after a pause. Lives in the process (or Worker isolate) and starts fresh on restart;
 * only cooldowns and rejected keys are shared, and only through `hooks` (shared-state.ts).
 *
 * Nothing here waits for an attempt to come back: on Workers a request torn down mid-await never
 * runs its remaining code, so the one piece of state an attempt holds, the probe, is a lease
 * with a time limit rather than a flag its owner must clear.
 */

/** Consecutive server/timeout/network failures that open the circuit. */
export const CIRCUIT_THRESHOLD = 3
/** First circuit pause; doubles on each failed probe, up to MAX_BACKOFF_MS. */
export const CIRCUIT_PAUSE_MS = 30_000
/** First rate-limit backoff when the upstream gives no Retry-After; doubles on repeats. */
export const RATE_LIMIT_BACKOFF_MS = 10_000
export const MAX_BACKOFF_MS = 300_000
/** Shortest cooldown, even for `Retry-After: 0`, so a key is never hammered in a tight loop. */
export const MIN_COOLDOWN_MS = 1_000
/**
 * Server-class outcomes (successes, server errors, timeouts, network failures) remembered per
 * target. Three failures in a row open the circuit even for a key that answers 72% of calls; the
 * window tells such a key, still worth a last-resort try, from one that has stopped working.
 */
export const RECENT_OUTCOMES = 20

/** The one probe allowed through a half-open circuit; it lapses at `until` if never settled. */
export type ProbeLease = { until: number }

export type TargetHealth = {
  /** Why the key was disabled (until restart); null while it is usable. */
  disabled: string | null
  /** Epoch ms until which the target rests after a rate limit. */
  cooldownUntil: number
  rateLimitStreak: number
  /** Consecutive server/timeout/network failures; the circuit is open at CIRCUIT_THRESHOLD. */
  failureStreak: number
  circuitOpenUntil: number
  /** Probes that failed since the circuit last opened; each doubles the pause. */
  failedProbes: number
  /** The half-open probe in flight, if any; one past its `until` no longer blocks others. */
  probe: ProbeLease | null
  /** Last RECENT_OUTCOMES server-class outcomes, oldest first: true for a failure. */
  recentFailures: boolean[]
  attempts: number
  successes: number
  failures: number
  lastError: string | null
  lastUsedAt: number | null
  /** Fleet sharing and metrics (shared-state.ts); absent: this process only, no metrics. */
  hooks?: TargetHooks
}

export const newHealth = (): TargetHealth => ({
  disabled: null,
  cooldownUntil: 0,
  rateLimitStreak: 0,
  failureStreak: 0,
  circuitOpenUntil: 0,
  failedProbes: 0,
  probe: null,
  recentFailures: [],
  attempts: 0,
  successes: 0,
  failures: 0,
  lastError: null,
  lastUsedAt: null,
})

/** `probe`: the circuit is half-open and this target may take one trial request. */
export type Availability = 'ready' | 'probe' | 'cooling' | 'open' | 'disabled'

export function availability(health: TargetHealth, now: number): Availability {
  if (health.disabled) return 'disabled'
  if (health.cooldownUntil > now) return 'cooling'
  if (health.failureStreak >= CIRCUIT_THRESHOLD) {
    if (health.circuitOpenUntil > now || probeInFlight(health, now)) return 'open'
    return 'probe'
  }
  return 'ready'
}

const probeInFlight = (health: TargetHealth, now: number) =>
  health.probe !== null && health.probe.until > now

/**
 * True for an open circuit that chance opened: no probe has failed since it opened, and fewer
 * than half of the target's recent outcomes were failures. Such a target is skipped while any
 * other is usable, but tried rather than refusing the request; a target that has stopped
 * working soon fills its window with failures and waits out its pause like any other.
 */
export function isLastResort(health: TargetHealth, now: number): boolean {
  return availability(health, now) === 'open' && mostlyWorking(health)
}

function mostlyWorking(health: TargetHealth): boolean {
  const failed = health.recentFailures.filter(Boolean).length
  return health.failedProbes === 0 && failed * 2 < health.recentFailures.length
}

/** When the target may next be tried, at least as a last resort; Infinity when disabled. */
export function availableAt(health: TargetHealth, now: number): number {
  return nextTryAt(health, now, true)
}

function nextTryAt(health: TargetHealth, now: number, lastResort: boolean): number {
  if (health.disabled) return Number.POSITIVE_INFINITY
  const open = health.failureStreak >= CIRCUIT_THRESHOLD
  const blocked = open && !(lastResort && mostlyWorking(health))
  const circuit = blocked ? Math.max(health.circuitOpenUntil, health.probe?.until ?? 0) : 0
  return Math.max(now, health.cooldownUntil, circuit)
}

/**
 * Marks the start of an attempt. On a half-open circuit the attempt is its probe and closes the
 * door behind it for `leaseMs` (the attempt's own time limit), returning the lease to settle
 * with; a lease that lapsed unsettled is counted as a failure here, as the next probe replaces it.
 */
export function recordAttempt(
  health: TargetHealth,
  now: number,
  leaseMs: number,
): ProbeLease | null {
  const probe = availability(health, now) === 'probe'
  health.attempts++
  health.lastUsedAt = now
  if (!probe) return null
  if (health.probe) {
    health.failures++
    health.lastError = 'The previous probe did not finish within its time limit'
  }
  health.probe = { until: now + leaseMs }
  return health.probe
}

function remember(health: TargetHealth, failed: boolean): void {
  health.recentFailures.push(failed)
  if (health.recentFailures.length > RECENT_OUTCOMES) health.recentFailures.shift()
}

export function recordSuccess(health: TargetHealth): void {
  health.successes++
  health.failureStreak = 0
  health.rateLimitStreak = 0
  health.circuitOpenUntil = 0
  health.probe = null
  remember(health, false)
}

/**
 * Ends an attempt that says nothing about the target (the client left, our own bug): its probe,
 * if it still holds one, is released, so the next request may probe again.
 */
export function releaseProbe(health: TargetHealth, lease: ProbeLease | null): void {
  if (lease && health.probe === lease) health.probe = null
}

/** Records a failed attempt; `lease` is the probe lease recordAttempt gave it, if any. */
export function recordFailure(
  health: TargetHealth,
  error: GatewayError,
  now: number,
  lease: ProbeLease | null = null,
): void {
  const probe = lease !== null
  releaseProbe(health, lease)
  health.failures++
  health.lastError = error.message
  switch (error.upstream?.failure) {
    case 'rate-limited': {
      health.rateLimitStreak++
      // Honour the upstream's word; otherwise back off, doubling on repeats: 10 s, 20 s, ... 5 min.
      const backoff = Math.min(
        MAX_BACKOFF_MS,
        RATE_LIMIT_BACKOFF_MS * 2 ** (health.rateLimitStreak - 1),
      )
      const wait = error.retryAfter !== undefined ? error.retryAfter * 1000 : backoff
      health.cooldownUntil = now + Math.max(MIN_COOLDOWN_MS, wait)
      return
    }
    case 'unauthorized':
      health.disabled = error.message
      return
    case 'server':
    case 'timeout':
    case 'network': {
      remember(health, true)
      health.failureStreak++
      if (health.failureStreak === CIRCUIT_THRESHOLD) {
        health.failedProbes = 0
        health.circuitOpenUntil = now + CIRCUIT_PAUSE_MS
      } else if (health.failureStreak > CIRCUIT_THRESHOLD && probe) {
        // Each failed probe doubles the pause: 30 s, 60 s, ... 5 min. Other failures past the
        // threshold were already in flight when the circuit opened: they keep it open, but
        // a burst of concurrent requests must not count as a string of failed probes.
        health.failedProbes++
        const pause = CIRCUIT_PAUSE_MS * 2 ** health.failedProbes
        health.circuitOpenUntil = now + Math.min(MAX_BACKOFF_MS, pause)
      }
      return
    }
    default:
      // Refusals and bad requests say nothing about the target's health.
      return
  }
}

/** What /v1/status shows of a target's health. */
export type HealthSnapshot = {
  /** `half-open`: the circuit's pause is over and the next request probes the target. */
  state: 'ready' | 'cooling' | 'disabled' | 'open' | 'half-open'
  /** Seconds until the target may be tried again; 0 when usable now, null when disabled. */
  retryInSeconds: number | null
  disabledReason: string | null
  consecutiveFailures: number
  lastError: string | null
  lastUsedAt: string | null
  counters: { attempts: number; successes: number; failures: number }
}

export function healthSnapshot(health: TargetHealth, now: number): HealthSnapshot {
  const state = availability(health, now)
  // When it takes requests again in its turn; a last-resort try does not count.
  const at = nextTryAt(health, now, false)
  return {
    state: state === 'probe' ? 'half-open' : state,
    retryInSeconds: Number.isFinite(at) ? Math.ceil((at - now) / 1000) : null,
    disabledReason: health.disabled,
    consecutiveFailures: health.failureStreak,
    lastError: health.lastError,
    lastUsedAt: health.lastUsedAt === null ? null : new Date(health.lastUsedAt).toISOString(),
    counters: {
      attempts: health.attempts,
      successes: health.successes,
      failures: health.failures,
    },
  }
}
