import { describe, expect, it } from 'vitest'
import { runWithFailover } from './pool.ts'
import { failureOf, fakeRoute, untilAborted } from './testing.ts'

/** The request deadline (REQUEST_TIMEOUT) against a target that never answers. */
describe('runWithFailover at the request deadline', () => {
  it('answers 504 when the request deadline passes, naming what failed', async () => {
    const hanging = fakeRoute('hanging')
    const started = Date.now()
    const error = await failureOf(
      runWithFailover([hanging], (_, signal) => untilAborted(signal), {
        signal: new AbortController().signal,
        deadline: Date.now() + 50,
        attemptTimeoutMs: 60_000,
      }),
    )
    expect(error).toMatchObject({ status: 504, code: 'timeout' })
    expect(error.message).toMatch(/hanging: no answer in time/)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('answers 504 when the deadline cuts an attempt short, even on a clock behind its timer', async () => {
    // The run's signal does not carry the deadline: the attempt's own timer is the deadline's,
    // and a clock that has not reached it yet (a timer may fire a little early) changes nothing.
    const stopped = 1_700_000_000_000
    const hanging = fakeRoute('hanging')
    const error = await failureOf(
      runWithFailover([hanging], (_, signal) => untilAborted(signal), {
        signal: new AbortController().signal,
        deadline: stopped + 30,
        attemptTimeoutMs: 60_000,
        now: () => stopped,
        random: () => 0.5,
      }),
    )
    expect(error).toMatchObject({ status: 504, code: 'timeout' })
    expect(error.message).toMatch(/hanging: no answer in time/)
    // The deadline's doing, not the target's.
    expect(hanging.target.health.failureStreak).toBe(0)
  })
})
