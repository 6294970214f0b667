import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { type FakeServer, sendJson, startFakeServer } from '../fakes/server.ts'
import { type RunningGateway, startGateway } from './gateway.ts'
import { redisAvailable, skipMessage, startRedis, type TestRedis } from './redis-server.ts'

/**
 * Two Node gateways on different ports sharing one real redis-server (STORAGE=redis): images,
 * the per-IP limit and pool cooldowns are the fleet's, and Redis going away mid-run costs no
 * request. Upstream is a SiliconFlow fake whose behaviour per key the test changes as it goes.
 */

if (!redisAvailable) console.warn(skipMessage)

const KEYS = ['sk-fleet-key-one-0001', 'sk-fleet-key-two-0002', 'sk-fleet-key-three-03']
/** The Images API calls come from a key holder, never limited; the direct URL stays public. */
const CLIENT = { authorization: 'Bearer fleet-client-key' }
type Behaviour = 'ok' | 'limited'

/** SiliconFlow's protocol, reduced to what this test needs, with mutable per-key behaviour. */
async function startUpstream() {
  const behaviour = new Map<string, Behaviour>(KEYS.map((key) => [key, 'ok']))
  const calls = new Map<string, number>()
  const png = await encodePng(8, 8, new Uint8Array(8 * 8 * 3).fill(90))
  let served = 0
  const server: FakeServer = await startFakeServer((request, response) => {
    if (request.method === 'GET' && request.path.startsWith('/files/')) {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length })
      return void response.end(png)
    }
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
    calls.set(key, (calls.get(key) ?? 0) + 1)
    if (behaviour.get(key) === 'limited') {
      const body = {
        code: 50603,
        message: 'Request was rejected due to rate limiting.',
        data: null,
      }
      return sendJson(response, 429, body, { 'retry-after': '60' })
    }
    sendJson(response, 200, { images: [{ url: `${server.url}/files/${++served}.png` }], seed: 1 })
  })
  return { server, behaviour, calls: (index: number) => calls.get(KEYS[index]!) ?? 0 }
}

let redis: TestRedis
let upstream: Awaited<ReturnType<typeof startUpstream>>
let a: RunningGateway
let b: RunningGateway

/** One image through the images API; returns its URL path (`/image/<key>`). */
async function generate(gateway: RunningGateway): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...CLIENT },
    body: JSON.stringify({ prompt: 'a lighthouse', size: '512x512' }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  const { data } = (await response.json()) as { data: { url: string }[] }
  return new URL(data[0]!.url).pathname
}

async function bytesOf(gateway: RunningGateway, path: string): Promise<Uint8Array | null> {
  const response = await fetch(`${gateway.url}${path}`)
  return response.status === 200 ? new Uint8Array(await response.arrayBuffer()) : null
}

async function until(check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const redisUp = async (gateway: RunningGateway) =>
  /^fluxgate_redis_up 1$/m.test(
    await (await fetch(`${gateway.url}/metrics`, { headers: CLIENT })).text(),
  )

/** Sends requests through A until key `index` has been called once more, then waits a moment. */
async function coolDownThroughA(index: number): Promise<number> {
  const before = upstream.calls(index)
  for (let i = 0; i < 60 && upstream.calls(index) === before; i++) await generate(a)
  expect(upstream.calls(index)).toBe(before + 1)
  return before + 1
}

describe.skipIf(!redisAvailable)('a fleet of two Node gateways sharing Redis', () => {
  beforeAll(async () => {
    redis = await startRedis()
    upstream = await startUpstream()
    const env = {
      STORAGE: 'redis',
      REDIS_URL: redis.url,
      IMAGE_API_KEYS: KEYS.join(','),
      SILICONFLOW_API_BASE: `${upstream.server.url}/v1`,
      RATE_LIMIT: '3/60s',
      API_KEY: 'fleet-client-key',
      DIRECT_API_ACCESS: 'public',
    }
    a = await startGateway(env)
    b = await startGateway(env)
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await Promise.all([redis?.close(), upstream?.server.close()])
  })

  it('serves through B an image generated through A', async () => {
    const path = await generate(a)
    const fromA = await bytesOf(a, path)
    const fromB = await bytesOf(b, path)
    expect(fromA?.length).toBeGreaterThan(50)
    expect(fromB).toEqual(fromA)
  })

  it('holds a per-IP limit reached through A on B as well', async () => {
    const direct = (gateway: RunningGateway) =>
      fetch(`${gateway.url}/?prompt=fox&size=512x512`, { redirect: 'manual' })
    for (let i = 0; i < 3; i++) expect((await direct(a)).status).toBe(302)
    const refused = await direct(b)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50)
  })

  it('does not try on B a key that A cooled down after a 429', async () => {
    upstream.behaviour.set(KEYS[0]!, 'limited')
    const calls = await coolDownThroughA(0)
    for (let i = 0; i < 15; i++) await generate(b)
    expect(upstream.calls(0)).toBe(calls)
    expect(upstream.calls(1) + upstream.calls(2)).toBeGreaterThan(15)
    const status = (await (await fetch(`${b.url}/v1/status`, { headers: CLIENT })).json()) as {
      providers: { targets: { id: string; state: string; lastError: string }[] }[]
    }
    expect(status.providers[0]!.targets[0]).toMatchObject({ id: 'siliconflow#1', state: 'cooling' })
    expect(JSON.stringify(status)).not.toContain(KEYS[0])
  })

  it('keeps answering while Redis is down, and shares state again once it is back', async () => {
    await redis.stop()
    const during = [await generate(a), await generate(a), await generate(b)]
    for (const path of during.slice(0, 2)) expect(await bytesOf(a, path)).not.toBeNull()
    const outage = a.logs.filter((line) => String(line.message).includes('unreachable'))
    expect(outage).toHaveLength(1)

    await redis.start()
    await until(async () => (await redisUp(a)) && (await redisUp(b)))
    // Images A kept locally during the outage reach Redis, one after another, so B serves them too.
    await until(async () => (await bytesOf(b, during[1]!)) !== null)
    expect(await bytesOf(b, during[0]!)).toEqual(await bytesOf(a, during[0]!))
    expect(await bytesOf(b, during[1]!)).toEqual(await bytesOf(a, during[1]!))

    upstream.behaviour.set(KEYS[1]!, 'limited')
    const calls = await coolDownThroughA(1)
    for (let i = 0; i < 15; i++) await generate(b)
    expect(upstream.calls(1)).toBe(calls)
  })
})
