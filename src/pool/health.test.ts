import { describe, expect, it } from 'vitest'
import type { UpstreamFailure } from '../errors.ts'
import { upstreamError } from '../providers/http.ts'
import {
  availability,
  availableAt,
  healthSnapshot,
  isLastResort,
  newHealth,
  RECENT_OUTCOMES,
  recordAttempt,
  recordFailure,
  recordSuccess,
  releaseProbe,
} from './health.ts'

const T0 = 1_700_000_000_000
const failure = (kind: UpstreamFailure, retryAfter?: number) =>
  upstreamError('fake', kind, `${kind} happened`, { retryAfter })

describe('rate limits', () => {
  it('honours Retry-After for the cooldown', () => {
    const health = newHealth()
    recordFailure(health, failure('rate-limited', 42), T0)
    expect(health.cooldownUntil).toBe(T0 + 42_000)
    expect(availability(health, T0 + 41_999)).toBe('cooling')
    expect(availability(health, T0 + 42_000)).toBe('ready')
  })

  it('backs off 10 s, 20 s, 40 s ... up to 5 min without Retry-After', () => {
    const health = newHealth()
    const waits: number[] = []
    let now = T0
    for (let i = 0; i < 8; i++) {
      recordFailure(health, failure('rate-limited'), now)
      waits.push((health.cooldownUntil - now) / 1000)
      now = health.cooldownUntil
    }
    expect(waits).toEqual([10, 20, 40, 80, 160, 300, 300, 300])
  })

  it('starts the backoff over after a success', () => {
    const health = newHealth()
    recordFailure(health, failure('rate-limited'), T0)
    recordFailure(health, failure('rate-limited'), T0)
    recordSuccess(health)
    recordFailure(health, failure('rate-limited'), T0)
    expect(health.cooldownUntil - T0).toBe(10_000)
  })

  it('cools down at least one second even for Retry-After: 0', () => {
    const health = newHealth()
    recordFailure(health, failure('rate-limited', 0), T0)
    expect(availability(health, T0 + 999)).toBe('cooling')
    expect(availability(health, T0 + 1000)).toBe('ready')
  })
})

describe('unauthorized', () => {
  it('disables the key for good, with the reason', () => {
    const health = newHealth()
    recordFailure(health, failure('unauthorized'), T0)
    expect(availability(health, T0 + 86_400_000)).toBe('disabled')
    expect(availableAt(health, T0)).toBe(Number.POSITIVE_INFINITY)
    expect(health.disabled).toBe('fake: unauthorized happened')
  })
})

describe('circuit', () => {
  it('opens after 3 consecutive server, timeout or network failures', () => {
    const health = newHealth()
    recordFailure(health, failure('server'), T0)
    recordFailure(health, failure('timeout'), T0)
    expect(availability(health, T0)).toBe('ready')
    recordFailure(health, failure('network'), T0)
    expect(availability(health, T0)).toBe('open')
    expect(availableAt(health, T0)).toBe(T0 + 30_000)
  })

  it('is reset by a success in between', () => {
    const health = newHealth()
    recordFailure(health, failure('server'), T0)
    recordFailure(health, failure('server'), T0)
    recordSuccess(health)
    recordFailure(health, failure('server'), T0)
    expect(availability(health, T0)).toBe('ready')
  })

  it('goes half-open after the pause, lets one probe through, and closes on success', () => {
    const health = newHealth()
    for (let i = 0; i < 3; i++) recordFailure(health, failure('server'), T0)
    expect(availability(health, T0 + 29_999)).toBe('open')
    expect(availability(health, T0 + 30_000)).toBe('probe')
    expect(recordAttempt(health, T0 + 30_000, 60_000)).toEqual({ until: T0 + 90_000 })
    // While the probe is in flight, everyone else sees an open circuit.
    expect(availability(health, T0 + 30_001)).toBe('open')
    recordSuccess(health)
    expect(availability(health, T0 + 30_001)).toBe('ready')
    expect(health.failureStreak).toBe(0)
  })

  it('doubles the pause after each failed probe, up to 5 min', () => {
    const health = newHealth()
    for (let i = 0; i < 3; i++) recordFailure(health, failure('server'), T0)
    const pauses = [30]
    let now = T0
    for (let i = 0; i < 5; i++) {
      now = health.circuitOpenUntil
      const lease = recordAttempt(health, now, 60_000)
      recordFailure(health, failure('server'), now, lease)
      pauses.push((health.circuitOpenUntil - now) / 1000)
    }
    expect(pauses).toEqual([30, 60, 120, 240, 300, 300])
  })

  it('opens for the first pause when failures already in flight land after the opening', () => {
    const health = newHealth()
    // Seven concurrent attempts, none of them a probe, all failing.
    for (let i = 0; i < 7; i++) recordFailure(health, failure('server'), T0)
    expect(health.circuitOpenUntil - T0).toBe(30_000)
  })

  it('lets the next request probe again when a probe ends without a verdict', () => {
    const health = newHealth()
    for (let i = 0; i < 3; i++) recordFailure(health, failure('server'), T0)
    const lease = recordAttempt(health, T0 + 30_000, 60_000)
    releaseProbe(health, lease)
    expect(availability(health, T0 + 30_000)).toBe('probe')
  })
})

describe('probe lease', () => {
  it('lapses at its time limit when nobody settles it, and the next request probes', () => {
    const health = newHealth()
    for (let i = 0; i < 3; i++) recordFailure(health, failure('server'), T0)
    const torn = recordAttempt(health, T0 + 30_000, 5_000)
    expect(availability(health, T0 + 34_999)).toBe('open')
    expect(availableAt(health, T0 + 31_000)).toBe(T0 + 35_000)
    expect(availability(health, T0 + 35_000)).toBe('probe')
    const next = recordAttempt(health, T0 + 35_000, 5_000)
    expect(next).not.toBe(torn)
    expect(health).toMatchObject({ failures: 4, lastError: expect.stringMatching(/time limit/) })
    // The lapsed probe's owner waking up late does not release the new probe.
    releaseProbe(health, torn)
    expect(availability(health, T0 + 36_000)).toBe('open')
  })
})

describe('last resort', () => {
  it('is an open circuit on a target that served most of its recent calls', () => {
    const health = newHealth()
    for (let i = 0; i < 4; i++) recordSuccess(health)
    for (let i = 0; i < 3; i++) recordFailure(health, failure('timeout'), T0)
    expect(availability(health, T0)).toBe('open')
    expect(isLastResort(health, T0)).toBe(true)
    expect(availableAt(health, T0)).toBe(T0)
    // /v1/status still shows the pause, which is when it takes its normal share again.
    expect(healthSnapshot(health, T0)).toMatchObject({ state: 'open', retryInSeconds: 30 })
  })

  it('is not a target that failed most recent calls, a failed probe, or a cooling one', () => {
    const failing = newHealth()
    for (let i = 0; i < 3; i++) recordFailure(failing, failure('server'), T0)
    expect(isLastResort(failing, T0)).toBe(false)

    const probed = newHealth()
    for (let i = 0; i < 10; i++) recordSuccess(probed)
    for (let i = 0; i < 3; i++) recordFailure(probed, failure('server'), T0)
    const lease = recordAttempt(probed, T0 + 30_000, 5_000)
    recordFailure(probed, failure('server'), T0 + 30_000, lease)
    expect(isLastResort(probed, T0 + 31_000)).toBe(false)

    const cooling = newHealth()
    for (let i = 0; i < 10; i++) recordSuccess(cooling)
    for (let i = 0; i < 3; i++) recordFailure(cooling, failure('server'), T0)
    recordFailure(cooling, failure('rate-limited', 5), T0)
    expect(isLastResort(cooling, T0)).toBe(false)
    expect(availableAt(cooling, T0)).toBe(T0 + 5_000)
  })

  it('remembers only the last RECENT_OUTCOMES server-class outcomes', () => {
    const health = newHealth()
    for (let i = 0; i < 30; i++) recordFailure(health, failure('server'), T0)
    for (let i = 0; i < 30; i++) recordFailure(health, failure('rate-limited'), T0)
    expect(health.recentFailures).toHaveLength(RECENT_OUTCOMES)
  })
})

describe('refusals and bad requests', () => {
  it('count as failures but leave the target usable', () => {
    const health = newHealth()
    for (let i = 0; i < 5; i++) {
      recordFailure(health, failure('refused'), T0)
      recordFailure(health, failure('bad-request'), T0)
    }
    expect(availability(health, T0)).toBe('ready')
    expect(health.failures).toBe(10)
  })
})

describe('healthSnapshot', () => {
  it('reports state, seconds left, last error and counters', () => {
    const health = newHealth()
    expect(recordAttempt(health, T0, 60_000)).toBeNull()
    recordFailure(health, failure('rate-limited', 30), T0)
    expect(healthSnapshot(health, T0 + 10_500)).toEqual({
      state: 'cooling',
      retryInSeconds: 20,
      disabledReason: null,
      consecutiveFailures: 0,
      lastError: 'fake: rate-limited happened',
      lastUsedAt: new Date(T0).toISOString(),
      counters: { attempts: 1, successes: 0, failures: 1 },
    })
  })

  it('shows a half-open circuit and a disabled key', () => {
    const open = newHealth()
    for (let i = 0; i < 3; i++) recordFailure(open, failure('server'), T0)
    expect(healthSnapshot(open, T0 + 5_000)).toMatchObject({ state: 'open', retryInSeconds: 25 })
    expect(healthSnapshot(open, T0 + 30_000)).toMatchObject({
      state: 'half-open',
      retryInSeconds: 0,
    })
    const disabled = newHealth()
    recordFailure(disabled, failure('unauthorized'), T0)
    expect(healthSnapshot(disabled, T0)).toMatchObject({
      state: 'disabled',
      retryInSeconds: null,
      disabledReason: 'fake: unauthorized happened',
    })
  })
})
