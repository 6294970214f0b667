import { afterEach, describe, expect, it } from 'vitest'
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
 * Failover across two providers configured through PROVIDERS, over real HTTP against the Node
 * entry, each provider a SiliconFlow-protocol fake on 127.0.0.1: server
 * errors move on, rate limits rest a target for its Retry-After, a slow target is abandoned at
 * UPSTREAM_TIMEOUT, and no request outlives REQUEST_TIMEOUT by more than a second.
 */

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})

async function setup(
  scripts: [ScriptedUpstream['script'], ScriptedUpstream['script']],
  env: Record<string, string> = {},
  options: { equal?: boolean } = {},
) {
  const a = await startScriptedUpstream(scripts[0])
  const b = await startScriptedUpstream(scripts[1])
  const gateway = await startGateway({ PROVIDERS: twoProviders(a, b, options), ...env })
  open.push(a, b, gateway)
  return { a, b, gateway }
}

function generate(gateway: RunningGateway) {
  return fetch(`${gateway.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a red fox', response_format: 'url' }),
  })
}

/** The status of provider A's target (`siliconflow`) and B's (`siliconflow-2`). */
async function targets(gateway: RunningGateway): Promise<{ a: TargetStatus; b: TargetStatus }> {
  const status = (await (await fetch(`${gateway.url}/v1/status`)).json()) as {
    providers: { targets: TargetStatus[] }[]
  }
  const all = status.providers.flatMap((provider) => provider.targets)
  return {
    a: all.find((target) => target.id === 'siliconflow')!,
    b: all.find((target) => target.id === 'siliconflow-2')!,
  }
}

describe('pool failover over HTTP', () => {
  it('moves on to B when A answers 500', async () => {
    const { a, b, gateway } = await setup([() => fail(500), () => ok()])
    const response = await generate(gateway)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ provider: 'siliconflow-2' })
    expect([a.calls(), b.calls()]).toEqual([1, 1])
    const { a: statusA } = await targets(gateway)
    expect(statusA).toMatchObject({ state: 'ready', consecutiveFailures: 1 })
    expect(statusA.lastError).toContain('HTTP 500')
  })

  it('does not call A again within its Retry-After of 30 s', async () => {
    const { a, b, gateway } = await setup([() => fail(429, 30), () => ok()])
    expect((await generate(gateway)).status).toBe(200)
    expect((await generate(gateway)).status).toBe(200)
    expect([a.calls(), b.calls()]).toEqual([1, 2])
    const { a: statusA } = await targets(gateway)
    expect(statusA.state).toBe('cooling')
    expect(statusA.retryInSeconds).toBeGreaterThanOrEqual(29)
    expect(statusA.retryInSeconds).toBeLessThanOrEqual(30)
  })

  it('answers 503 with the earliest Retry-After when every target is cooling down', async () => {
    const { a, b, gateway } = await setup([() => fail(429, 30), () => fail(429, 10)])
    const first = await generate(gateway)
    expect(first.status).toBe(503)
    expect(first.headers.get('retry-after')).toBe('10')
    expect(await first.json()).toMatchObject({ error: { code: 'all_targets_cooling_down' } })
    // Nothing is usable now: the answer comes at once, without calling anyone.
    const second = await generate(gateway)
    expect(second.status).toBe(503)
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(9)
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(10)
    expect([a.calls(), b.calls()]).toEqual([1, 1])
  })

  it('abandons a slow target at UPSTREAM_TIMEOUT and lets the other serve', async () => {
    const { a, b, gateway } = await setup([() => ok(10_000), () => ok()], {
      UPSTREAM_TIMEOUT: '1',
      REQUEST_TIMEOUT: '10',
    })
    const started = performance.now()
    const response = await generate(gateway)
    const elapsed = performance.now() - started
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ provider: 'siliconflow-2' })
    expect(elapsed).toBeGreaterThanOrEqual(950)
    expect(elapsed).toBeLessThan(2_500)
    expect([a.calls(), b.calls()]).toEqual([1, 1])
    expect((await targets(gateway)).a.lastError).toMatch(/no answer in time/)
  })

  it('never runs past REQUEST_TIMEOUT by more than a second, however slow the targets', async () => {
    const { a, b, gateway } = await setup([() => ok(20_000), () => ok(20_000)], {
      UPSTREAM_TIMEOUT: '2',
      REQUEST_TIMEOUT: '3',
    })
    const started = performance.now()
    const response = await generate(gateway)
    const elapsed = performance.now() - started
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: { code: 'timeout' } })
    // A gets its 2 s, B the 1 s left of the request's 3 s.
    expect(elapsed).toBeGreaterThanOrEqual(2_950)
    expect(elapsed).toBeLessThan(4_000)
    expect([a.calls(), b.calls()]).toEqual([1, 1])
    // A ran out of its own UPSTREAM_TIMEOUT: a failure. B was cut short by the request's
    // deadline: not its fault, so three such requests cannot open a healthy target's circuit.
    const status = await targets(gateway)
    expect(status.a).toMatchObject({ consecutiveFailures: 1, counters: { failures: 1 } })
    expect(status.b).toMatchObject({ consecutiveFailures: 0, counters: { failures: 0 } })
  })
})
