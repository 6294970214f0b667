import type { GatewayError } from '../errors.ts'

/**
 * Health of one target (provider + key): cooldown after rate limits, disabled after auth
 * failures, and a circuit that opens after consecutive server failures and lets one probe
 * through after a pause. Lives in the process (or Worker isolate); it is not shared.
 */

/** Consecutive server/timeout/network failures that open the circuit. */
export const CIRCUIT_THRESHOLD = 3
const CIRCUIT_PAUSE_MS = 30_000
const MAX_BACKOFF_MS = 300_000

export type TargetHealth = {
  disabled: string | null
  cooldownUntil: number
  rateLimitStreak: number
  failureStreak: number
  circuitOpenUntil: number
  /** True while the one half-open probe is in flight. */
  probing: boolean
  attempts: number
  successes: number
  failures: number
  lastError: string | null
  lastUsedAt: number | null
}

export const newHealth = (): TargetHealth => ({
  disabled: null,
  cooldownUntil: 0,
  rateLimitStreak: 0,
  failureStreak: 0,
  circuitOpenUntil: 0,
  probing: false,
  attempts: 0,
  successes: 0,
  failures: 0,
  lastError: null,
  lastUsedAt: null,
})

export type Availability = 'ready' | 'probe' | 'cooling' | 'open' | 'disabled'

export function availability(health: TargetHealth, now: number): Availability {
  if (health.disabled) return 'disabled'
  if (health.cooldownUntil > now) return 'cooling'
  if (health.failureStreak >= CIRCUIT_THRESHOLD) {
    if (health.circuitOpenUntil > now || health.probing) return 'open'
    return 'probe'
  }
  return 'ready'
}

/** When the target may next be tried; Infinity when disabled. */
export function availableAt(health: TargetHealth, now: number): number {
  if (health.disabled) return Number.POSITIVE_INFINITY
  return Math.max(now, health.cooldownUntil, health.circuitOpenUntil)
}

export function recordAttempt(health: TargetHealth, now: number, probe: boolean): void {
  health.attempts++
  health.lastUsedAt = now
  if (probe) health.probing = true
}

export function recordSuccess(health: TargetHealth): void {
  health.successes++
  health.failureStreak = 0
  health.rateLimitStreak = 0
  health.circuitOpenUntil = 0
  health.probing = false
}

export function recordFailure(health: TargetHealth, error: GatewayError, now: number): void {
  health.failures++
  health.probing = false
  health.lastError = error.message
  switch (error.upstream?.failure) {
    case 'rate-limited': {
      health.rateLimitStreak++
      // Honour the upstream's word; otherwise back off, doubling on repeats: 10 s, 20 s, ... 5 min.
      const backoff = Math.min(MAX_BACKOFF_MS, 10_000 * 2 ** (health.rateLimitStreak - 1))
      health.cooldownUntil =
        now + (error.retryAfter !== undefined ? error.retryAfter * 1000 : backoff)
      return
    }
    case 'unauthorized':
      health.disabled = error.message
      return
    case 'server':
    case 'timeout':
    case 'network': {
      health.failureStreak++
      if (health.failureStreak >= CIRCUIT_THRESHOLD) {
        const reopenings = health.failureStreak - CIRCUIT_THRESHOLD
        health.circuitOpenUntil = now + Math.min(MAX_BACKOFF_MS, CIRCUIT_PAUSE_MS * 2 ** reopenings)
      }
      return
    }
    default:
      // Refusals and bad requests say nothing about the target's health.
      return
  }
}
