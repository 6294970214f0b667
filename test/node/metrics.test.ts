import { afterEach, describe, expect, it } from 'vitest'
import { startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** `GET /metrics` on the Node server: Prometheus text through prom-client. */

let gateway: RunningGateway | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await gateway?.close()
  gateway = undefined
  while (cleanups.length) await cleanups.pop()!()
})

/**
 * The value of the sample `name` whose labels include `labels`, or undefined. Parses the text
 * format rather than matching strings, so label order does not matter.
 */
function sample(text: string, name: string, labels: Record<string, string> = {}) {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    )
    if (Object.entries(labels).every(([key, value]) => found[key] === value))
      return Number(match[3])
  }
  return undefined
}

async function scrape(headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway!.url}/metrics`, { headers })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

const images = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${gateway!.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

describe('GET /metrics (Node)', () => {
  it('counts requests by route and status, generations, attempts, stored-id hits and states', async () => {
    gateway = await startGateway()
    expect((await images({ prompt: 'a fox', size: '256x256' })).status).toBe(200)
    const direct = await fetch(`${gateway.url}/?prompt=owl&size=256x256`, { redirect: 'manual' })
    expect(direct.status).toBe(302)
    const stored = await fetch(new URL(direct.headers.get('location')!, gateway.url))
    expect(stored.status).toBe(200)
    expect((await fetch(`${gateway.url}/no/such/path`)).status).toBe(404)

    const text = await scrape()
    const requests = 'fluxgate_http_requests_total'
    const post = { route: '/v1/images/generations', method: 'POST', status: '200' }
    expect(sample(text, requests, post)).toBe(1)
    expect(sample(text, requests, { route: '/', method: 'GET', status: '302' })).toBe(1)
    expect(sample(text, requests, { route: 'unmatched', status: '404' })).toBe(1)
    const latency = 'fluxgate_generation_duration_seconds_count'
    expect(sample(text, latency, { route: '/v1/images/generations', provider: 'demo' })).toBe(1)
    expect(sample(text, latency, { route: '/', provider: 'demo' })).toBe(1)
    const attempts = { provider: 'demo', target: 'demo', outcome: 'success' }
    expect(sample(text, 'fluxgate_upstream_attempts_total', attempts)).toBe(2)
    expect(sample(text, 'fluxgate_cache_hits_total', { source: 'stored-id' })).toBe(1)
    expect(sample(text, 'fluxgate_target_state', { target: 'demo', state: 'ready' })).toBe(1)
    expect(sample(text, 'fluxgate_target_state', { target: 'demo', state: 'cooling' })).toBe(0)
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000)
    expect(sample(text, 'fluxgate_redis_up')).toBeUndefined()
    expect(text).not.toContain('fox') // prompts never become labels
  })

  it('requires the client key when one is configured', async () => {
    gateway = await startGateway({ API_KEY: 'client-secret-key' })
    const refused = await fetch(`${gateway.url}/metrics`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_api_key' } })
    const text = await scrape({ Authorization: 'Bearer client-secret-key' })
    expect(text).toContain('fluxgate_http_requests_total')
    expect(text).not.toContain('client-secret-key')
  })

  it('reports upstream failures by kind and the cooling target, never its key', async () => {
    const upstream = await startFakeSiliconflow({ retryAfterSeconds: 60 })
    cleanups.push(() => upstream.close())
    gateway = await startGateway({
      IMAGE_API_KEYS: 'limited,good',
      SILICONFLOW_API_BASE: upstream.baseUrl,
    })
    for (let i = 0; i < 40 && upstream.callsFor('limited') === 0; i++) {
      expect((await images({ prompt: 'a boat', size: '512x512' })).status).toBe(200)
    }
    const text = await scrape()
    const limited = { provider: 'siliconflow', target: 'siliconflow#1', outcome: 'rate-limited' }
    expect(sample(text, 'fluxgate_upstream_attempts_total', limited)).toBe(1)
    const cooling = { target: 'siliconflow#1', state: 'cooling' }
    expect(sample(text, 'fluxgate_target_state', cooling)).toBe(1)
    expect(sample(text, 'fluxgate_target_state', { target: 'siliconflow#2', state: 'ready' })).toBe(
      1,
    )
    expect(text).not.toMatch(/"(limited|good)"/)
  })

  it('counts a seeded request answered from the store as a cache hit, not a generation', async () => {
    gateway = await startGateway()
    const body = { prompt: 'a seeded cat', size: '256x256', seed: 1234 }
    expect((await images(body)).status).toBe(200)
    expect((await images(body)).status).toBe(200)
    const text = await scrape()
    expect(sample(text, 'fluxgate_cache_hits_total', { source: 'seeded' })).toBe(1)
    const latency = 'fluxgate_generation_duration_seconds_count'
    expect(sample(text, latency, { route: '/v1/images/generations' })).toBe(1)
  })
})
