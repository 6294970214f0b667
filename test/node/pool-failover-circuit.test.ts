import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { TargetStatus } from '../../src/routes/status.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import {
  fail,
  ok,
  type ScriptedUpstream,
  startScriptedUpstream,
  twoProviders,
} from './pool-failover-fake.ts'

/**
 * The per-target circuit with two providers over real HTTP, driven through an
 * in-process app whose clock the test moves, so the 30 s pause costs no wall time: it opens after
 * three consecutive server failures, half-opens after its pause, lets exactly one probe through,
 * closes when the probe succeeds and doubles its pause when the probe fails.
 */

const open: ScriptedUpstream[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})

async function setup() {
  const a = await startScriptedUpstream(() => fail(500))
  const b = await startScriptedUpstream(() => ok())
  open.push(a, b)
  let time = Date.UTC(2026, 0, 1)
  const now = () => time
  const config = loadConfig({ PROVIDERS: twoProviders(a, b), STORAGE: 'memory', RATE_LIMIT: '0' })
  const app = createApp({ config, storage: memoryStorage({ now }), now, log: () => {} })
  const generate = async () => {
    const response = await app.request('/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red fox', response_format: 'url' }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { provider: string }).provider
  }
  const statusOfA = async () => {
    const status = (await (await app.request('/v1/status')).json()) as {
      providers: { targets: TargetStatus[] }[]
    }
    return status.providers.flatMap((p) => p.targets).find((t) => t.id === 'siliconflow')!
  }
  return { a, b, generate, statusOfA, advance: (ms: number) => (time += ms) }
}

describe('circuit breaker over HTTP', () => {
  it('opens after three failures, half-opens after 30 s, and closes on a good probe', async () => {
    const { a, b, generate, statusOfA, advance } = await setup()
    for (let i = 0; i < 3; i++) expect(await generate()).toBe('siliconflow-2')
    expect(a.calls()).toBe(3)
    expect(await statusOfA()).toMatchObject({ state: 'open', retryInSeconds: 30 })

    // Open: A is skipped, B serves alone.
    expect(await generate()).toBe('siliconflow-2')
    expect([a.calls(), b.calls()]).toEqual([3, 4])

    advance(29_000)
    expect((await statusOfA()).state).toBe('open')
    advance(1_000)
    expect((await statusOfA()).state).toBe('half-open')
    a.script = () => ok()
    expect(await generate()).toBe('siliconflow')
    expect(a.calls()).toBe(4)
    expect(await statusOfA()).toMatchObject({ state: 'ready', consecutiveFailures: 0 })
  })

  it('doubles the pause when the probe fails', async () => {
    const { a, generate, statusOfA, advance } = await setup()
    for (let i = 0; i < 3; i++) await generate()
    advance(30_000)
    expect(await generate()).toBe('siliconflow-2') // the probe failed; B served
    expect(a.calls()).toBe(4)
    expect(await statusOfA()).toMatchObject({ state: 'open', retryInSeconds: 60 })
    advance(59_000)
    await generate()
    expect(a.calls()).toBe(4)
  })

  it('opens for 30 s, not longer, when many failures were already in flight', async () => {
    const { a, generate, statusOfA } = await setup()
    // Ten requests reach A before any of its failures is known: one circuit opening, not
    // seven failed probes (which would double the pause up to 5 minutes).
    a.script = () => ({ ...fail(500), delayMs: 200 })
    await Promise.all(Array.from({ length: 10 }, () => generate()))
    expect(a.calls()).toBe(10)
    expect(await statusOfA()).toMatchObject({ state: 'open', retryInSeconds: 30 })
  })

  it('lets one probe through at a time', async () => {
    const { a, b, generate, statusOfA, advance } = await setup()
    for (let i = 0; i < 3; i++) await generate()
    advance(30_000)
    a.script = () => ok(400) // a slow probe, so the second request arrives during it
    const [first, second] = await Promise.all([generate(), generate()])
    expect([first, second].sort()).toEqual(['siliconflow', 'siliconflow-2'])
    expect(a.calls()).toBe(4)
    expect(b.calls()).toBe(4)
    expect((await statusOfA()).state).toBe('ready')
  })
})
