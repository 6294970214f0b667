import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisRateLimiter } from '../../src/limits/redis.ts'
import type { LogLine } from '../../src/middleware/request-log.ts'
import { attachHooks, reportOutcome, syncFleet } from '../../src/pool/shared-state.ts'
import { fakeCatalogue } from '../../src/pool/testing.ts'
import { redisPoolState } from '../../src/runtime/fleet-state.ts'
import { connectRedis, type RedisLink } from '../../src/runtime/redis.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { redisStorage } from '../../src/storage/redis.ts'
import { describeStorageContract, randomBytes, readBody, testMeta } from '../contracts/storage.ts'
import { redisAvailable, skipMessage, startRedis, type TestRedis } from './redis-server.ts'

if (!redisAvailable) console.warn(skipMessage)

let redis: TestRedis
const links: RedisLink[] = []
const logs: LogLine[] = []
async function link(): Promise<RedisLink> {
  const opened = await connectRedis(redis.url, { log: (line) => logs.push(line) })
  links.push(opened)
  return opened
}
/** Polls until `check` holds (Redis reconnects and pub/sub are asynchronous). */
async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe.skipIf(!redisAvailable)('redis', () => {
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterEach(async () => {
    await redis.start() // a test that stopped it leaves it running for the next
    while (links.length) await links.pop()!.close()
    logs.length = 0
  })
  afterAll(async () => {
    await redis?.close()
  })

  describeStorageContract('redis', async ({ now }) =>
    redisStorage({ link: await link(), now, fallback: memoryStorage({ now }) }),
  )

  it('lets Redis expire an image at its expiry time', async () => {
    const client = await link()
    const store = redisStorage({ link: client, fallback: memoryStorage() })
    const bytes = randomBytes(100)
    await store.put('a'.repeat(22), bytes, testMeta(Date.now(), 5_000))
    const ttl = await client.client.pttl(`fluxgate:img:${'a'.repeat(22)}`)
    expect(ttl).toBeGreaterThan(4_000)
    expect(ttl).toBeLessThanOrEqual(5_000)
    expect(await readBody((await store.get('a'.repeat(22)))!.body)).toEqual(bytes)
  })

  it('keeps images written while Redis is down and copies them to Redis when it returns', async () => {
    const store = redisStorage({ link: await link(), fallback: memoryStorage() })
    await redis.stop()
    const key = 'b'.repeat(22)
    const bytes = randomBytes(5000)
    await store.put(key, bytes, testMeta(Date.now()))
    expect(store.pending).toBe(1)
    expect(await readBody((await store.get(key))!.body)).toEqual(bytes)
    await redis.start()
    await until(() => store.pending === 0)
    // Another instance, with nothing held locally, now serves it from Redis.
    const other = redisStorage({ link: await link(), fallback: memoryStorage() })
    expect(await readBody((await other.get(key))!.body)).toEqual(bytes)
  })

  it('starts while Redis is down, and copies what it stored meanwhile once Redis comes', async () => {
    await redis.stop()
    const started = Date.now()
    const store = redisStorage({ link: await link(), fallback: memoryStorage() })
    expect(Date.now() - started).toBeLessThan(2_000)
    const bytes = randomBytes(300)
    await store.put('d'.repeat(22), bytes, testMeta(Date.now()))
    expect(store.pending).toBe(1)
    await redis.start()
    await until(() => store.pending === 0)
    const other = redisStorage({ link: await link(), fallback: memoryStorage() })
    expect(await readBody((await other.get('d'.repeat(22)))!.body)).toEqual(bytes)
  })

  it('logs an outage once however many calls fail, and once when Redis returns', async () => {
    const store = redisStorage({ link: await link(), fallback: memoryStorage() })
    await redis.stop()
    for (let i = 0; i < 20; i++) await store.get('c'.repeat(22))
    await redis.start()
    await until(() => logs.some((line) => line.level === 'info'))
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(1)
    expect(logs.filter((line) => line.level === 'info')).toHaveLength(1)
    expect(String(logs[0]!.message)).toContain(`127.0.0.1:${redis.port} unreachable`)
  })

  it('counts one window per key across instances and falls back to local counts when down', async () => {
    const rule = { limit: 3, windowSeconds: 60 }
    const a = redisRateLimiter({ link: await link(), ...rule })
    const shared = redisRateLimiter({ link: await link(), ...rule })
    expect((await a.limit('198.51.100.1')).success).toBe(true)
    expect((await shared.limit('198.51.100.1')).success).toBe(true)
    expect((await a.limit('198.51.100.1')).success).toBe(true)
    const refused = await shared.limit('198.51.100.1')
    expect(refused.success).toBe(false)
    expect(refused.retryAfterSeconds).toBeGreaterThan(55)
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60)
    expect((await shared.limit('198.51.100.2')).success).toBe(true)

    await redis.stop()
    // Local counting: three more pass on this instance, the fourth does not; nothing throws.
    for (let i = 0; i < 3; i++) expect((await a.limit('198.51.100.1')).success).toBe(true)
    expect((await a.limit('198.51.100.1')).success).toBe(false)
  })

  it('shares cooldowns between instances without putting a key in Redis', async () => {
    const secret = 'sk-live-0123456789abcdef'
    const make = () => fakeCatalogue([secret, 'sk-other-key-98765'])
    const [catalogueA, catalogueB] = [make(), make()]
    const linkA = await link()
    const stateA = await redisPoolState({ link: linkA, targets: catalogueA.targets })
    const stateB = await redisPoolState({ link: await link(), targets: catalogueB.targets })
    attachHooks(catalogueA.targets, { shared: stateA })
    attachHooks(catalogueB.targets, { shared: stateB })
    const [targetA, targetB] = [catalogueA.targets[0]!, catalogueB.targets[0]!]
    const now = Date.now()
    targetA.health.cooldownUntil = now + 60_000
    targetA.health.lastError = `Rate limited (key ${secret})`
    reportOutcome(targetA, 'rate-limited', now)
    const routesB = catalogueB.targets.map((target) => ({
      target,
      model: target.provider.models[0]!,
    }))
    await until(() => stateB.restOf(targetB, Date.now()) !== undefined)
    syncFleet(routesB, Date.now())
    expect(targetB.health.cooldownUntil).toBeGreaterThan(now + 59_000)
    expect(targetB.health.lastError).toContain('Resting on another instance')
    expect(catalogueB.targets[1]!.health.cooldownUntil).toBe(0)

    const stored = await linkA.client.keys('fluxgate:*')
    const values = await Promise.all(stored.map((key) => linkA.client.get(key)))
    expect(stored).toHaveLength(1)
    expect(JSON.stringify([stored, values])).not.toContain(secret)
    expect(values[0]).toContain('***')

    // Redis loses everything; when it returns, A announces the cooldown it still has.
    await redis.stop()
    await redis.start()
    await until(async () => (await linkA.client.keys('fluxgate:pool:*').catch(() => [])).length > 0)
    // A newcomer reads it at start-up.
    const catalogueC = make()
    const stateC = await redisPoolState({ link: await link(), targets: catalogueC.targets })
    expect(stateC.restOf(catalogueC.targets[0]!, Date.now())?.until).toBeGreaterThan(now + 55_000)
    expect(stateC.restOf(catalogueC.targets[1]!, Date.now())).toBeUndefined()
  })
})
