import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { upstreamError } from '../providers/http.ts'
import type { Route } from './catalogue.ts'
import { runWithFailover } from './pool.ts'
import { fakeRoute, seeded } from './testing.ts'

/**
 * The pool under a steady fault mix, on fake timers: 24 clients send 1,200 requests over 4
 * targets, and each upstream call fails 28% of the time (20% answer 5xx, 8% hang until the
 * attempt timeout). Every call is independent, so a request that may try all four targets fails
 * only 0.28^4 of the time; what keeps a request from trying them is the pool's own bookkeeping
 * (circuits opened by chance streaks). Seeded, so every run draws the same faults.
 */

const ATTEMPT_TIMEOUT_MS = 3_000
const REQUEST_TIMEOUT_MS = 90_000

type Fault = { server: number; hang: number; rateLimited?: number }

/** Runs the load; returns how requests ended and what the targets saw. */
async function soak(fault: Fault, options: { requests: number; clients: number; seed: number }) {
  const random = seeded(options.seed)
  const routes = ['a', 'b', 'c', 'd'].map((id) => fakeRoute(id))
  const outcomes: Record<string, number> = {}
  /** Per target: when its last 429 said it could be called again. */
  const restingUntil = new Map<string, number>()
  const violations: string[] = []
  const upstream = async (r: Route, signal: AbortSignal): Promise<string> => {
    const id = r.target.id
    if ((restingUntil.get(id) ?? 0) > Date.now()) violations.push(`${id} called while resting`)
    const roll = random()
    const latency = 200 + Math.floor(random() * 1300)
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true })
      if (roll >= fault.server && roll < fault.server + fault.hang) return // hangs
      setTimeout(resolve, latency)
    })
    if (roll < fault.server) throw upstreamError(id, 'server', 'busy', { status: 503 })
    if (roll < fault.server + fault.hang + (fault.rateLimited ?? 0)) {
      restingUntil.set(id, Date.now() + 1_000)
      throw upstreamError(id, 'rate-limited', 'limit', { status: 429, retryAfter: 1 })
    }
    return 'image'
  }
  let issued = 0
  const clients = Array.from({ length: options.clients }, async () => {
    while (issued < options.requests) {
      issued++
      const started = Date.now()
      const outcome = await runWithFailover(routes, upstream, {
        signal: new AbortController().signal,
        deadline: started + REQUEST_TIMEOUT_MS,
        attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
        now: () => Date.now(),
        random,
      }).then(
        () => 'ok',
        (error: { code?: string }) => error.code ?? 'thrown',
      )
      if (Date.now() - started > REQUEST_TIMEOUT_MS) violations.push('past the deadline')
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    }
  })
  let finished = false
  const all = Promise.all(clients).then(() => {
    finished = true
  })
  while (!finished) await vi.advanceTimersByTimeAsync(50)
  await all

  return { outcomes, violations, success: (outcomes.ok ?? 0) / options.requests }
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('failover under a steady fault mix', () => {
  // Seed 5 draws a stretch in which chance streaks open all four circuits at once.
  it.each([
    1, 5,
  ])('serves nine requests in ten when 5xx and hangs fail 28 in 100 calls (seed %i)', async (seed) => {
    const run = await soak({ server: 0.2, hang: 0.08 }, { requests: 3_000, clients: 24, seed })
    expect(run.violations).toEqual([])
    expect(run.success, JSON.stringify(run.outcomes)).toBeGreaterThanOrEqual(0.9)
  })

  it('serves nine in ten with 429s in the mix, never calling a key during its Retry-After', async () => {
    const fault = { server: 0.14, hang: 0.06, rateLimited: 0.08 }
    const run = await soak(fault, { requests: 1_200, clients: 24, seed: 2 })
    expect(run.violations).toEqual([])
    expect(run.success, JSON.stringify(run.outcomes)).toBeGreaterThanOrEqual(0.9)
  })
})
