import { describe, expect, it } from 'vitest'
import type { GatewayError, UpstreamFailure } from '../errors.ts'
import { upstreamError } from '../providers/http.ts'
import type { Route } from './catalogue.ts'
import { orderRoutes, type PoolRunOptions, runWithFailover } from './pool.ts'
import { failureOf, fakeRoute, seeded, untilAborted } from './testing.ts'

const T0 = 1_700_000_000_000
const route = fakeRoute

const fail = (kind: UpstreamFailure, retryAfter?: number) =>
  upstreamError('fake', kind, `${kind}!`, { retryAfter })

/** A clock the test moves by hand, and run options on it. */
function clock(start = T0) {
  const state = { now: start }
  const options = (extra: Partial<PoolRunOptions> = {}): PoolRunOptions => ({
    signal: new AbortController().signal,
    deadline: state.now + 90_000,
    attemptTimeoutMs: 60_000,
    now: () => state.now,
    random: () => 0.5,
    ...extra,
  })
  return { state, options }
}

/** Runs the pool with per-route outcomes; returns the ids tried, in order, and the result. */
async function run(routes: Route[], outcome: (id: string) => unknown, options: PoolRunOptions) {
  const tried: string[] = []
  try {
    const result = await runWithFailover(
      routes,
      async (r) => {
        tried.push(r.target.id)
        const value = outcome(r.target.id)
        if (value instanceof Error) throw value
        return value
      },
      options,
    )
    return { tried, result, error: undefined }
  } catch (error) {
    return { tried, result: undefined, error: error as GatewayError }
  }
}

describe('orderRoutes', () => {
  it('puts higher priority first whatever the dice say', () => {
    const routes = [route('low', { priority: 0 }), route('high', { priority: 5 })]
    for (const value of [0, 0.3, 0.99]) {
      expect(orderRoutes(routes, T0, () => value).map((r) => r.target.id)).toEqual(['high', 'low'])
    }
  })

  it('spreads equal priorities by weight', () => {
    const routes = [route('heavy', { weight: 3 }), route('light', { weight: 1 })]
    const random = seeded(7)
    let heavyFirst = 0
    for (let i = 0; i < 10_000; i++) {
      if (orderRoutes(routes, T0, random)[0]!.target.id === 'heavy') heavyFirst++
    }
    expect(heavyFirst / 10_000).toBeGreaterThan(0.72)
    expect(heavyFirst / 10_000).toBeLessThan(0.78)
  })

  it('leaves out cooling, disabled and open targets, keeps half-open ones', () => {
    const [ready, cooling, disabled, open, probe] = ['a', 'b', 'c', 'd', 'e'].map((id) => route(id))
    cooling!.target.health.cooldownUntil = T0 + 1
    disabled!.target.health.disabled = 'no'
    open!.target.health.failureStreak = 3
    open!.target.health.circuitOpenUntil = T0 + 1
    probe!.target.health.failureStreak = 3
    const ids = orderRoutes([ready!, cooling!, disabled!, open!, probe!], T0).map(
      (r) => r.target.id,
    )
    expect(ids.sort()).toEqual(['a', 'e'])
  })
})

describe('runWithFailover', () => {
  it('returns the first success and counts attempts', async () => {
    const { options } = clock()
    const routes = [route('a'), route('b'), route('c')]
    const { tried, result } = await run(
      routes,
      (id) => (id === 'b' ? 'image' : fail('server')),
      options(),
    )
    expect(tried).toEqual(['a', 'b'])
    expect(result).toMatchObject({ value: 'image', attempts: 2 })
    expect(result!.route.target.id).toBe('b')
    expect(routes[1]!.target.health.successes).toBe(1)
  })

  it('tries each target once per request, never in a loop', async () => {
    const { options } = clock()
    const { tried, error } = await run([route('a'), route('b')], () => fail('network'), options())
    expect(tried).toEqual(['a', 'b'])
    expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
    expect(error!.message).toMatch(/network!.*network!/)
  })

  it('does not retry a rate-limited key during its Retry-After, then does', async () => {
    const { state, options } = clock()
    const limited = route('limited')
    const good = route('good')
    const outcome = (id: string) => (id === 'limited' ? fail('rate-limited', 30) : 'ok')
    expect((await run([limited, good], outcome, options())).tried).toEqual(['limited', 'good'])
    state.now = T0 + 29_000
    expect((await run([limited, good], outcome, options())).tried).toEqual(['good'])
    state.now = T0 + 30_000
    expect((await run([limited, good], outcome, options())).tried).toEqual(['limited', 'good'])
  })

  it('never tries a disabled key again', async () => {
    const { state, options } = clock()
    const bad = route('bad')
    const good = route('good')
    const outcome = (id: string) => (id === 'bad' ? fail('unauthorized') : 'ok')
    await run([bad, good], outcome, options())
    state.now = T0 + 7 * 86_400_000
    expect((await run([bad, good], outcome, options())).tried).toEqual(['good'])
    expect(bad.target.health.attempts).toBe(1)
  })

  it('answers 503 with the earliest Retry-After when every target is cooling', async () => {
    const { state, options } = clock()
    const routes = [route('a'), route('b')]
    const outcome = (id: string) => fail('rate-limited', id === 'a' ? 30 : 12)
    const first = await run(routes, outcome, options())
    expect(first.error).toMatchObject({ status: 503, code: 'all_targets_cooling_down' })
    expect(first.error!.retryAfter).toBe(12)
    state.now = T0 + 2_500
    const again = await run(routes, outcome, options())
    expect(again.tried).toEqual([])
    expect(again.error).toMatchObject({ status: 503, retryAfter: 10 })
  })

  it('still answers 503 when the rest are disabled: waiting helps', async () => {
    const { options } = clock()
    const outcome = (id: string) => (id === 'a' ? fail('unauthorized') : fail('rate-limited'))
    const { error } = await run([route('a'), route('b')], outcome, options())
    expect(error).toMatchObject({ status: 503, retryAfter: 10 })
  })

  it('answers 502, not to be retried, when every key is disabled', async () => {
    const { options } = clock()
    const { error } = await run([route('a'), route('b')], () => fail('unauthorized'), options())
    expect(error).toMatchObject({ status: 502, code: 'no_usable_upstream', retryable: false })
    expect(error!.message).toMatch(/disabled.*\/v1\/status/)
  })

  it('opens the circuit, probes once when half-open, and closes on success', async () => {
    const { state, options } = clock()
    const flaky = route('flaky')
    let healthy = false
    const outcome = () => (healthy ? 'ok' : fail('server'))
    for (let i = 0; i < 3; i++) await run([flaky], outcome, options())
    state.now = T0 + 10_000
    const open = await run([flaky], outcome, options())
    expect(open.tried).toEqual([])
    expect(open.error).toMatchObject({ status: 503, retryAfter: 20 })

    // Half-open: the first request probes; a second one meanwhile is not let through.
    state.now = T0 + 30_000
    let release: (value: string) => void = () => {}
    const probe = runWithFailover(
      [flaky],
      () => new Promise<string>((resolve) => (release = resolve)),
      options(),
    )
    const during = await run([flaky], outcome, options())
    expect(during.tried).toEqual([])
    release('ok')
    await probe
    healthy = true
    expect((await run([flaky], outcome, options())).tried).toEqual(['flaky'])
    expect(flaky.target.health.failureStreak).toBe(0)
  })

  it('stops at once on a refusal or a bad request, leaving the target healthy', async () => {
    const { options } = clock()
    for (const kind of ['refused', 'bad-request'] as const) {
      const routes = [route('a'), route('b')]
      const { tried, error } = await run(routes, () => fail(kind), options())
      expect(tried).toEqual(['a'])
      expect(error!.upstream?.failure).toBe(kind)
      expect(error!.retryable).toBe(false)
      expect(routes[0]!.target.health.failureStreak).toBe(0)
    }
  })

  it('times out a slow attempt and fails over to the next target', async () => {
    const slow = route('slow')
    const quick = route('quick')
    const result = await runWithFailover(
      [slow, quick],
      (r, signal) =>
        r.target.id === 'quick'
          ? Promise.resolve('ok')
          : new Promise((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason)),
            ),
      {
        signal: new AbortController().signal,
        deadline: Date.now() + 5_000,
        attemptTimeoutMs: 30,
        random: () => 0.5,
      },
    )
    expect(result).toMatchObject({ value: 'ok', attempts: 2 })
    expect(slow.target.health.lastError).toBe('slow: no answer in time')
    expect(slow.target.health.failureStreak).toBe(1)
  })

  it('gives up a wait when the injected clock does not move with timers', async () => {
    const { options } = clock()
    const cooling = route('cooling')
    cooling.target.health.cooldownUntil = T0 + 20 // 20 ms on a clock that stays at T0
    const { tried, error } = await run([cooling], () => 'ok', options())
    expect(tried).toEqual([])
    expect(error).toMatchObject({ status: 503, code: 'all_targets_cooling_down' })
  })

  it('answers 504 without trying when the deadline has already passed', async () => {
    const { state, options } = clock()
    const { tried, error } = await run([route('a')], () => 'ok', options({ deadline: state.now }))
    expect(tried).toEqual([])
    expect(error).toMatchObject({ status: 504 })
  })

  it('stops on client abort without holding it against the target', async () => {
    const { options } = clock()
    const probed = route('probed')
    probed.target.health.failureStreak = 3 // half-open: this request is the probe
    const client = new AbortController()
    const error = await failureOf(
      runWithFailover(
        [probed, route('other')],
        (_, signal) => {
          setTimeout(() => client.abort(), 5)
          return untilAborted(signal)
        },
        options({ signal: client.signal }),
      ),
    )
    expect(error).toMatchObject({ status: 499, code: 'client_closed' })
    expect(probed.target.health).toMatchObject({ failures: 0, failureStreak: 3, probe: null })
  })

  it('rethrows errors that are not upstream failures and releases the probe', async () => {
    const { options } = clock()
    const probed = route('probed')
    probed.target.health.failureStreak = 3
    const { tried, error } = await run([probed, route('b')], () => new TypeError('bug'), options())
    expect(tried).toEqual(['probed'])
    expect(error).toMatchObject({ status: 500, code: 'internal_error' })
    expect(probed.target.health).toMatchObject({ probe: null, failures: 0 })
  })
})
