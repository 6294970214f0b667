import type { UpstreamFailure } from '../errors.ts'
import type { Route, Target } from './catalogue.ts'

/**
 * Hooks that let a target's health reach beyond this process: a fleet of instances sharing
 * cooldowns (Redis on Node), and metrics. Both are optional; a target without hooks behaves
 * exactly as a lone process does. The pool calls the two functions below; everything else
 * lives in the implementations (src/runtime/fleet-state.ts, src/runtime/metrics.ts), so this
 * file stays Web-standard and the pool does not know what is on the other side.
 */

/** A target resting fleet-wide: cooled down after a 429, or rejected (401/403) by its upstream. */
export type TargetRest = {
  /** Epoch ms (this process's clock) until which no instance should try the target. */
  until: number
  /** Why, safe to show: upstream messages are scrubbed of keys before they are shared. */
  reason: string
}

/** The fleet's view of target rests. Implementations answer from memory: no I/O per request. */
export interface SharedPoolState {
  /** This instance rested `target`; tell the others. Fire and forget: never throws. */
  publish(target: Target, rest: TargetRest): void
  /** The rest another instance published for `target`, if one is still running. */
  restOf(target: Target, now: number): TargetRest | undefined
}

/** What an upstream attempt came to, for metrics. */
export type AttemptOutcome = 'success' | UpstreamFailure

/** Attached to a target's health by the runtime entry; see TargetHealth.hooks. */
export type TargetHooks = {
  shared?: SharedPoolState
  onOutcome?: (target: Target, outcome: AttemptOutcome) => void
}

/**
 * How long a key another instance found rejected (401/403) is skipped fleet-wide. Locally a
 * rejected key stays disabled until restart; fleet-wide it only rests, so fixing an account
 * and restarting does not leave the key shunned by stale shared state for long.
 */
export const FLEET_DISABLE_MS = 600_000

/** Gives every target the same hooks (the runtime entry does this once at start-up). */
export function attachHooks(targets: readonly Target[], hooks: TargetHooks): void {
  for (const target of targets) target.health.hooks = hooks
}

/**
 * Before ordering: applies rests published by other instances to local health as cooldowns,
 * so a key cooled down elsewhere is not tried here. Map lookups only.
 */
export function syncFleet(routes: readonly Route[], now: number): void {
  for (const { target } of routes) {
    const rest = target.health.hooks?.shared?.restOf(target, now)
    if (rest && rest.until > target.health.cooldownUntil && !target.health.disabled) {
      target.health.cooldownUntil = rest.until
      target.health.lastError = `Resting on another instance: ${rest.reason}`
    }
  }
}

/**
 * After an attempt has been recorded in health: reports the outcome, and publishes the rest a
 * rate limit or a rejected key has just put the target in.
 */
export function reportOutcome(target: Target, outcome: AttemptOutcome, now: number): void {
  const { health } = target
  const hooks = health.hooks
  if (!hooks) return
  hooks.onOutcome?.(target, outcome)
  if (!hooks.shared) return
  if (outcome === 'rate-limited' && health.cooldownUntil > now) {
    hooks.shared.publish(target, { until: health.cooldownUntil, reason: health.lastError ?? '' })
  } else if (outcome === 'unauthorized' && health.disabled) {
    hooks.shared.publish(target, { until: now + FLEET_DISABLE_MS, reason: health.disabled })
  }
}
