import { describe, expect, it } from 'vitest'
import { errorHeaders, GatewayError, type UpstreamFailure } from '../errors.ts'
import { runWithFailover } from '../pool/pool.ts'
import { fakeRoute as route } from '../pool/testing.ts'
import { upstreamError } from '../providers/http.ts'
import { clientMayRetry } from './client-retry.ts'

/** The error a run ends with when every target fails with the given kinds, in order. */
async function finalErrorFor(kinds: UpstreamFailure[]): Promise<GatewayError> {
  const routes = kinds.map((_, index) => route(`t${index}`))
  const now = 1_700_000_000_000
  try {
    await runWithFailover(
      routes,
      async (r) => {
        const kind = kinds[routes.indexOf(r)]!
        throw upstreamError(r.target.id, kind, `${kind}!`, { retryAfter: 5 })
      },
      {
        signal: new AbortController().signal,
        deadline: now + 90_000,
        attemptTimeoutMs: 60_000,
        now: () => now,
      },
    )
  } catch (error) {
    if (error instanceof GatewayError) return error
  }
  throw new Error('the run did not fail')
}

describe('clientMayRetry', () => {
  it('allows a retry only when every failure turned the job away before any work', () => {
    expect(clientMayRetry([])).toBe(true)
    expect(clientMayRetry(['rate-limited', 'rate-limited'])).toBe(true)
    for (const kind of [
      'server',
      'timeout',
      'network',
      'refused',
      'bad-request',
      'unauthorized',
    ] as const) {
      expect(clientMayRetry(['rate-limited', kind]), kind).toBe(false)
    }
  })
})

describe('the error a client sees after every target was tried', () => {
  it('says x-should-retry: false after an upstream timeout: the job may still be billed', async () => {
    const error = await finalErrorFor(['timeout'])
    expect(error.status).toBe(502)
    expect(errorHeaders(error)['x-should-retry']).toBe('false')
  })

  it('says x-should-retry: false after 5xx and network failures across targets', async () => {
    const error = await finalErrorFor(['rate-limited', 'server', 'network'])
    expect(error).toMatchObject({ status: 502, code: 'upstream_failed', retryable: false })
  })

  it('keeps a 503 after rate limits retryable, with its Retry-After', async () => {
    const error = await finalErrorFor(['rate-limited', 'rate-limited'])
    expect(error).toMatchObject({ status: 503, code: 'all_targets_cooling_down' })
    const headers = errorHeaders(error)
    expect(headers['x-should-retry']).toBeUndefined()
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0)
  })

  it('says x-should-retry: false for a 504 whose attempt ran into the request deadline', async () => {
    const now = 1_700_000_000_000
    let clock = now
    const error = await runWithFailover(
      [route('slow'), route('unused')],
      async (r) => {
        clock = now + 2_000
        throw upstreamError(r.target.id, 'timeout', 'no answer in time')
      },
      {
        signal: new AbortController().signal,
        deadline: now + 1_000,
        attemptTimeoutMs: 60_000,
        now: () => clock,
      },
    ).catch((thrown: unknown) => thrown as GatewayError)
    expect(error).toMatchObject({ status: 504, code: 'timeout', retryable: false })
  })

  it('keeps a 504 retryable when no upstream attempt was made', async () => {
    const now = 1_700_000_000_000
    const error = await runWithFailover([route('idle')], async () => 'never', {
      signal: new AbortController().signal,
      deadline: now,
      attemptTimeoutMs: 60_000,
      now: () => now,
    }).catch((thrown: unknown) => thrown as GatewayError)
    expect(error).toMatchObject({ status: 504, retryable: true })
  })
})
