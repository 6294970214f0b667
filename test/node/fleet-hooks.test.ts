import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/errors.ts'
import type { Target } from '../../src/pool/catalogue.ts'
import { runWithFailover } from '../../src/pool/pool.ts'
import {
  type AttemptOutcome,
  attachHooks,
  FLEET_DISABLE_MS,
  reportOutcome,
  type SharedPoolState,
  syncFleet,
  type TargetRest,
} from '../../src/pool/shared-state.ts'
import { fakeCatalogue } from '../../src/pool/testing.ts'

/**
 * The pool's fleet hooks without Redis: a SharedPoolState in memory, shared by two catalogues
 * as two instances would share Redis. What runs over Redis is in redis.test.ts and fleet.test.ts.
 */

/** One "Redis": rests by target id, seen by every instance at once. */
function memoryFleet() {
  const rests = new Map<string, TargetRest>()
  const published: [string, TargetRest][] = []
  const state: SharedPoolState = {
    publish(target, rest) {
      published.push([target.id, rest])
      rests.set(target.id, rest)
    },
    restOf: (target, now) => {
      const rest = rests.get(target.id)
      return rest && rest.until > now ? rest : undefined
    },
  }
  return { state, published }
}

const routesOf = (targets: Target[]) =>
  targets.map((target) => ({ target, model: target.provider.models[0]! }))
const failure = (kind: 'rate-limited' | 'unauthorized' | 'server', retryAfter?: number) =>
  new GatewayError(kind === 'unauthorized' ? 401 : kind === 'server' ? 503 : 429, 'x', kind, {
    upstream: { failure: kind, provider: 'fake' },
    retryAfter,
    retryable: true, // as providers/http.ts marks every failure but refusals and bad requests
  })

describe('fleet hooks of the pool', () => {
  it('publishes the cooldown a 429 causes and the rest a rejected key causes, nothing else', async () => {
    const fleet = memoryFleet()
    const outcomes: AttemptOutcome[] = []
    const { targets } = fakeCatalogue(['k1', 'k2', 'k3'])
    attachHooks(targets, { shared: fleet.state, onOutcome: (_, outcome) => outcomes.push(outcome) })
    const answers = {
      k1: failure('rate-limited', 30),
      k2: failure('unauthorized'),
      k3: failure('server'),
    }
    const now = 1_000_000
    await expect(
      runWithFailover(
        routesOf(targets),
        async (route) => {
          throw answers[route.target.key as keyof typeof answers]
        },
        {
          signal: new AbortController().signal,
          deadline: now + 60_000,
          attemptTimeoutMs: 1000,
          now: () => now,
        },
      ),
    ).rejects.toThrow()
    expect(outcomes.sort()).toEqual(['rate-limited', 'server', 'unauthorized'])
    expect(Object.fromEntries(fleet.published)).toEqual({
      'fake#1': { until: now + 30_000, reason: 'rate-limited' },
      'fake#2': { until: now + FLEET_DISABLE_MS, reason: 'unauthorized' },
    })
  })

  it('skips on one instance a target the fleet rests, and tries it again once the rest ends', async () => {
    const fleet = memoryFleet()
    const a = fakeCatalogue(['k1', 'k2'])
    const b = fakeCatalogue(['k1', 'k2'])
    attachHooks(a.targets, { shared: fleet.state })
    attachHooks(b.targets, { shared: fleet.state })
    let time = 1_000_000
    a.targets[0]!.health.cooldownUntil = time + 10_000
    a.targets[0]!.health.lastError = 'Rate limited'
    reportOutcome(a.targets[0]!, 'rate-limited', time)
    const tried: string[] = []
    const run = () =>
      runWithFailover(
        routesOf(b.targets),
        async (route) => {
          tried.push(route.target.id)
          return 'image'
        },
        {
          signal: new AbortController().signal,
          deadline: time + 60_000,
          attemptTimeoutMs: 1000,
          now: () => time,
        },
      )
    for (let i = 0; i < 20; i++) await run()
    expect(new Set(tried)).toEqual(new Set(['fake#2']))
    expect(b.targets[0]!.health.lastError).toBe('Resting on another instance: Rate limited')
    time += 10_001
    tried.length = 0
    for (let i = 0; i < 40; i++) await run()
    expect(tried).toContain('fake#1')
  })

  it('never shortens a local cooldown nor touches a disabled key, and is inert without hooks', () => {
    const fleet = memoryFleet()
    const { targets } = fakeCatalogue(['k1', 'k2', 'k3'])
    attachHooks(targets.slice(0, 2), { shared: fleet.state })
    const now = 5_000
    for (const target of targets) fleet.state.publish(target, { until: now + 1000, reason: 'x' })
    targets[0]!.health.cooldownUntil = now + 50_000
    targets[1]!.health.disabled = 'Invalid token'
    syncFleet(routesOf(targets), now)
    expect(targets[0]!.health.cooldownUntil).toBe(now + 50_000)
    expect(targets[1]!.health.cooldownUntil).toBe(0)
    expect(targets[2]!.health.cooldownUntil).toBe(0) // no hooks: local only
    expect(() => reportOutcome(targets[2]!, 'rate-limited', now)).not.toThrow()
  })
})
