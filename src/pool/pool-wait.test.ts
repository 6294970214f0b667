import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { GatewayError } from '../errors.ts'
import { upstreamError } from '../providers/http.ts'
import type { Route } from './catalogue.ts'
import { CIRCUIT_PAUSE_MS, recordFailure, recordSuccess } from './health.ts'
import { MAX_WAIT_MS, type PoolRunOptions, runWithFailover } from './pool.ts'
import { fakeRoute } from './testing.ts'

/**
 * What the pool does when no target is usable at the moment a request comes: wait for one that
 * will be soon, try one whose circuit chance opened, or answer at once. On fake timers, so the
 * waits cost no wall time and the moments of each attempt are exact.
 */

const T0 = Date.UTC(2026, 0, 1)
const serverError = () => upstreamError('fake', 'server', 'busy', { status: 503 })

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Starts a run whose attempts succeed and are logged with their moment; settle with `end`. */
function start(routes: Route[], extra: Partial<PoolRunOptions> = {}) {
  const attempts: { id: string; at: number }[] = []
  let outcome: { value?: unknown; error?: GatewayError } | undefined
  const running = runWithFailover(
    routes,
    async (route) => {
      attempts.push({ id: route.target.id, at: Date.now() - T0 })
      return 'image'
    },
    {
      signal: new AbortController().signal,
      deadline: Date.now() + 90_000,
      attemptTimeoutMs: 60_000,
      random: () => 0.5,
      ...extra,
    },
  ).then(
    (result) => {
      outcome = { value: result.value }
    },
    (error: GatewayError) => {
      outcome = { error }
    },
  )
  return {
    attempts,
    outcome: () => outcome,
    end: async () => {
      await vi.runAllTimersAsync()
      await running
      return { attempts, ...outcome, endedAt: Date.now() - T0 }
    },
  }
}

const rateLimit = (route: Route, seconds: number) =>
  recordFailure(
    route.target.health,
    upstreamError('fake', 'rate-limited', 'limit', { retryAfter: seconds }),
    Date.now(),
  )

describe('waiting for a target', () => {
  it('waits for a cooldown that ends within a few seconds rather than refusing', async () => {
    const only = fakeRoute('only')
    rateLimit(only, 2)
    const run = await start([only]).end()
    expect(run.value).toBe('image')
    expect(run.attempts).toEqual([{ id: 'only', at: 2_000 }])
  })

  it('answers 503 at once when the cooldown ends later than MAX_WAIT_MS', async () => {
    const only = fakeRoute('only')
    rateLimit(only, MAX_WAIT_MS / 1000 + 1)
    const run = await start([only]).end()
    expect(run.attempts).toEqual([])
    expect(run.error).toMatchObject({ status: 503, code: 'all_targets_cooling_down' })
    expect(run.error!.retryAfter).toBe(MAX_WAIT_MS / 1000 + 1)
    expect(run.endedAt).toBe(0)
  })

  it('never waits for more than half of what is left of the request', async () => {
    const only = fakeRoute('only')
    rateLimit(only, 2)
    const run = await start([only], { deadline: T0 + 3_000 }).end()
    expect(run.attempts).toEqual([])
    expect(run.error).toMatchObject({ status: 503 })
    expect(run.endedAt).toBe(0)
  })

  it('stops waiting the moment the client leaves', async () => {
    const only = fakeRoute('only')
    rateLimit(only, 4)
    const client = new AbortController()
    const run = start([only], { signal: client.signal })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(run.outcome()).toBeUndefined()
    client.abort(new Error('client gone'))
    await vi.advanceTimersByTimeAsync(0)
    expect(run.outcome()?.error).toMatchObject({ status: 499, code: 'client_closed' })
    expect(Date.now() - T0).toBe(1_000)
    expect(run.attempts).toEqual([])
  })

  it('does not wait for a key its upstream rejected', async () => {
    const only = fakeRoute('only')
    recordFailure(only.target.health, upstreamError('fake', 'unauthorized', 'no'), T0)
    const run = await start([only]).end()
    expect(run.attempts).toEqual([])
    expect(run.error).toMatchObject({ status: 502, code: 'no_usable_upstream' })
    expect(run.endedAt).toBe(0)
  })

  it('tries a ready target at once, and does not wait for one it already tried', async () => {
    const limited = fakeRoute('limited')
    const other = fakeRoute('other')
    const run = runWithFailover(
      [limited, other],
      async (route) => {
        throw route.target.id === 'limited'
          ? upstreamError('fake', 'rate-limited', 'limit', { retryAfter: 1 })
          : serverError()
      },
      { signal: new AbortController().signal, deadline: T0 + 90_000, attemptTimeoutMs: 60_000 },
    ).catch((error: GatewayError) => error)
    await vi.runAllTimersAsync()
    expect(await run).toMatchObject({ status: 502, code: 'upstream_failed' })
    expect(Date.now()).toBe(T0)
    expect(limited.target.health.attempts).toBe(1)
  })
})

describe('targets whose circuit chance opened', () => {
  /** A target that served 7 of its last 10 calls, the last three failing: its circuit is open. */
  function streaky(id: string): Route {
    const route = fakeRoute(id)
    for (let i = 0; i < 7; i++) recordSuccess(route.target.health)
    for (let i = 0; i < 3; i++) recordFailure(route.target.health, serverError(), T0)
    return route
  }

  it('are tried as a last resort rather than refusing the request', async () => {
    const run = await start([streaky('a'), streaky('b')]).end()
    expect(run.value).toBe('image')
    expect(run.attempts).toHaveLength(1)
    expect(run.endedAt).toBe(0)
  })

  it('are skipped while another target is ready', async () => {
    const run = await start([streaky('streaky'), fakeRoute('ready')]).end()
    expect(run.attempts.map((a) => a.id)).toEqual(['ready'])
  })

  it('are no longer tried once most of their recent calls failed', async () => {
    const dead = streaky('dead')
    // Four more failures: 7 of the last 14 calls failed.
    for (let i = 0; i < 4; i++) recordFailure(dead.target.health, serverError(), T0)
    const run = await start([dead]).end()
    expect(run.attempts).toEqual([])
    expect(run.error).toMatchObject({ status: 503, retryAfter: CIRCUIT_PAUSE_MS / 1000 })
  })
})

describe('a probe that never comes back', () => {
  it('lapses after its attempt time limit, and the next request probes again', async () => {
    const broken = fakeRoute('broken')
    for (let i = 0; i < 3; i++) recordFailure(broken.target.health, serverError(), T0)
    vi.setSystemTime(T0 + CIRCUIT_PAUSE_MS)
    // The probe's request is torn down mid-attempt: its attempt never settles, whatever its
    // signal says, so no code after it ever runs (as in workerd when the client leaves).
    void runWithFailover([broken], () => new Promise<never>(() => {}), {
      signal: new AbortController().signal,
      deadline: Date.now() + 90_000,
      attemptTimeoutMs: 20_000,
    })
    // Still probing 1 s later, with 19 s of its lease left: too long to wait for.
    await vi.advanceTimersByTimeAsync(1_000)
    const during = await start([broken]).end()
    expect(during.attempts).toEqual([])
    expect(during.error).toMatchObject({ status: 503 })

    vi.setSystemTime(T0 + CIRCUIT_PAUSE_MS + 20_000)
    const after = await start([broken]).end()
    expect(after.attempts.map((a) => a.id)).toEqual(['broken'])
    expect(after.value).toBe('image')
    expect(broken.target.health).toMatchObject({ failureStreak: 0, probe: null, failures: 4 })
    expect(broken.target.health.lastError).toMatch(/did not finish within its time limit/)
  })
})
