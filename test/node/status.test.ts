import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { type Gateway, generateImages } from '../../src/generate/index.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** `GET /v1/status`: what it shows of providers and keys, and that it never shows a key. */

const CLIENT_KEY = 'client-Hq2w9Er4Ty6Ui8Op'
// Random-looking keys: no run of six characters in them is an English word the body could hold.
const KEYS = {
  echo: 'sk-Zq8vW3nR5tY7uI9oP1aS2dF4',
  limited: 'sk-Lm4nB6vC8xZ1aQ3wE5rT7yU9',
  ok: 'sk-Gh2jK4lP6oI8uY1tR3eW5qA7',
}

/** Every run of `length` characters in `key`. */
const runsOf = (key: string, length = 6) =>
  Array.from({ length: key.length - length + 1 }, (_, i) => key.slice(i, i + length))

const expectNoKeyIn = (text: string, keys: string[]) => {
  for (const key of keys) {
    for (const run of runsOf(key)) expect(text, `leaks "${run}" of a key`).not.toContain(run)
  }
}

let gateway: RunningGateway | undefined
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await gateway?.close()
  gateway = undefined
  await Promise.all(closers.splice(0).map((close) => close()))
})

describe('GET /v1/status over HTTP', () => {
  it('needs the client key and lists masked keys, states, storage and default model', async () => {
    const fake = await startFakeSiliconflow()
    closers.push(fake.close)
    gateway = await startGateway({
      API_KEY: CLIENT_KEY,
      IMAGE_API_KEYS: `${KEYS.echo},${KEYS.ok}`,
      SILICONFLOW_API_BASE: fake.baseUrl,
    })
    const denied = await fetch(`${gateway.url}/v1/status`)
    expect(denied.status).toBe(401)

    const auth = { authorization: `Bearer ${CLIENT_KEY}` }
    const response = await fetch(`${gateway.url}/v1/status`, { headers: auth })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const text = await response.text()
    expectNoKeyIn(text, [...Object.values(KEYS), CLIENT_KEY])
    const body = JSON.parse(text)
    expect(body).toMatchObject({
      object: 'status',
      scope: 'process',
      storage: 'fs',
      defaultModel: 'flux-schnell',
      models: ['flux-schnell'],
    })
    expect(body.scopeNote).toMatch(/not shared between instances/)
    expect(body.providers).toEqual([
      {
        name: 'siliconflow',
        type: 'siliconflow',
        models: [
          { id: 'black-forest-labs/FLUX.1-schnell', publicIds: ['flux-schnell', 'flux-1-schnell'] },
        ],
        targets: [1, 2].map((n) => ({
          id: `siliconflow#${n}`,
          key: n === 1 ? 'sk-Zq...F4' : 'sk-Gh...A7',
          priority: 0,
          weight: 1,
          state: 'ready',
          retryInSeconds: 0,
          disabledReason: null,
          consecutiveFailures: 0,
          lastError: null,
          lastUsedAt: null,
          counters: { attempts: 0, successes: 0, failures: 0 },
        })),
      },
    ])
    expect(fake.requests).toHaveLength(0) // answered from memory, no upstream call

    for (const path of ['/status', '/v1/v1/status']) {
      expect((await fetch(`${gateway.url}${path}`, { headers: auth })).status, path).toBe(200)
    }
  })

  it('shows the demo provider, keyless, when nothing is configured', async () => {
    gateway = await startGateway({ STORAGE: 'memory' })
    const body = await (await fetch(`${gateway.url}/v1/status`)).json()
    expect(body).toMatchObject({ storage: 'memory', defaultModel: 'demo' })
    expect(body.providers).toMatchObject([
      { name: 'demo', targets: [{ id: 'demo', key: null, state: 'ready' }] },
    ])
  })
})

describe('GET /v1/status after failures', () => {
  it('shows disabled and cooling keys without leaking any key, even one an upstream echoed', async () => {
    const fake = await startFakeSiliconflow({
      keys: { [KEYS.echo]: 'unauthorized-echo', [KEYS.limited]: 'rate-limited', [KEYS.ok]: 'ok' },
      retryAfterSeconds: 120,
    })
    closers.push(fake.close)
    const config = loadConfig({
      STORAGE: 'memory',
      API_KEY: CLIENT_KEY,
      IMAGE_API_KEYS: Object.values(KEYS).join(','),
      SILICONFLOW_API_BASE: fake.baseUrl,
    })
    const catalogue = new Catalogue(buildProviders(config, {}), config.defaultModel)
    const storage = memoryStorage()
    const shared: Gateway = { config, storage, catalogue, fetch: globalThis.fetch, now: Date.now }
    // Tied shuffle draws keep the configured order, so every key is tried once.
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const result = await generateImages(shared, {
      prompt: 'a lighthouse',
      n: 1,
      width: 256,
      height: 256,
      signal: new AbortController().signal,
    })
    expect(result.attempts).toBe(3)
    // The upstream did quote the key back; the provider must have scrubbed it.
    expect(fake.callsFor(KEYS.echo)).toBe(1)

    const app = createApp({ config, storage, catalogue, log: () => {} })
    const response = await app.request('/v1/status', {
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
    })
    const text = await response.text()
    expectNoKeyIn(text, Object.values(KEYS))
    const [echo, limited, ok] = JSON.parse(text).providers[0].targets
    expect(echo).toMatchObject({ state: 'disabled', key: 'sk-Zq...F4' })
    expect(echo.disabledReason).toMatch(/Invalid token: \*\*\*/)
    expect(limited).toMatchObject({ state: 'cooling', counters: { attempts: 1, failures: 1 } })
    expect(limited.retryInSeconds).toBeGreaterThan(110)
    expect(ok).toMatchObject({ state: 'ready', counters: { attempts: 1, successes: 1 } })
    expect(Date.parse(ok.lastUsedAt)).not.toBeNaN()
  })
})
