import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TargetStatus } from '../../src/routes/status.ts'
import { type RunningGateway, startGateway } from './gateway.ts'
import {
  fail,
  ok,
  type ScriptedUpstream,
  startScriptedUpstream,
  twoProviders,
} from './pool-failover-fake.ts'

/**
 * 100 concurrent requests against one flaky provider (about half its calls answer 500) and one
 * healthy one, over real HTTP: every request succeeds, and every upstream call is accounted for:
 * what each fake saw equals what the pool recorded in /v1/status.
 */

let a: ScriptedUpstream
let b: ScriptedUpstream
let gateway: RunningGateway

beforeAll(async () => {
  // Seeded coin, so a failure is reproducible: a linear congruential generator.
  let state = 12345
  const coin = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
  a = await startScriptedUpstream(() => (coin() < 0.5 ? fail(500) : ok(5)))
  b = await startScriptedUpstream(() => ok(5))
  gateway = await startGateway({
    PROVIDERS: twoProviders(a, b, { equal: true }),
    RATE_LIMIT: '0',
  })
})
afterAll(async () => {
  await gateway.close()
  await Promise.all([a.close(), b.close()])
})

describe('pool under concurrent load', () => {
  it('serves 100 concurrent requests and accounts for every upstream call', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        fetch(`${gateway.url}/v1/images/generations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: `a red fox ${index}`, response_format: 'url' }),
        }),
      ),
    )
    const bodies = await Promise.all(responses.map((response) => response.json()))
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200))

    const status = (await (await fetch(`${gateway.url}/v1/status`)).json()) as {
      providers: { targets: TargetStatus[] }[]
    }
    const [statusA, statusB] = ['siliconflow', 'siliconflow-2'].map(
      (id) => status.providers.flatMap((p) => p.targets).find((t) => t.id === id)!.counters,
    )
    // Both took load, and A really failed some.
    expect(a.answered.error).toBeGreaterThan(0)
    expect(a.answered.ok + b.answered.ok).toBe(100)
    expect(statusA).toEqual({
      attempts: a.calls(),
      successes: a.answered.ok,
      failures: a.answered.error,
    })
    expect(statusB).toEqual({ attempts: b.calls(), successes: b.answered.ok, failures: 0 })
    const servedBy = (name: string) => bodies.filter((body) => body.provider === name).length
    expect(servedBy('siliconflow')).toBe(a.answered.ok)
    expect(servedBy('siliconflow-2')).toBe(b.answered.ok)
  })
})
