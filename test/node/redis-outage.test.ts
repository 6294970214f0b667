import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/middleware/request-log.ts'
import { startNodeServer } from '../../src/runtime/node.ts'
import { connectRedis, type RedisLink } from '../../src/runtime/redis.ts'
import { fsStorage } from '../../src/storage/fs.ts'
import { newImageKey } from '../../src/storage/keys.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { redisStorage } from '../../src/storage/redis.ts'
import type { ListableImageStore } from '../../src/storage/types.ts'
import { firstDifference, randomBytes, readBody, testMeta } from '../contracts/storage.ts'
import { redisAvailable, skipMessage, startRedis, type TestRedis } from './redis-server.ts'

/**
 * Redis going away must not lose an image whose link was handed out: what is written during the
 * outage goes to the fallback store (the fs store under DATA_DIR on Node), survives a restart of
 * the gateway, and reaches Redis once it returns. What can still be lost is logged and counted.
 */

if (!redisAvailable) console.warn(skipMessage)

let redis: TestRedis
const links: RedisLink[] = []
const dirs: string[] = []
const logs: LogLine[] = []
const log = (line: LogLine) => logs.push(line)

async function link(): Promise<RedisLink> {
  const opened = await connectRedis(redis.url, { log, startTimeoutMs: 300 })
  links.push(opened)
  return opened
}
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fluxgate-outage-'))
  dirs.push(dir)
  return dir
}
async function until(check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

beforeAll(async () => {
  if (redisAvailable) redis = await startRedis()
})
afterEach(async () => {
  await redis?.start() // a test that stopped it leaves it running for the next
  while (links.length) await links.pop()!.close()
  logs.length = 0
})
afterAll(async () => {
  await redis?.close()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

describe.skipIf(!redisAvailable)('redis outage', () => {
  it('keeps images written while Redis is down through a restart, then copies them to Redis', async () => {
    const dataDir = await tempDir()
    const first = redisStorage({ link: await link(), fallback: await fsStorage({ dataDir }), log })
    await redis.stop()
    const images = Array.from({ length: 20 }, () => ({
      key: newImageKey(),
      bytes: randomBytes(3_000),
    }))
    for (const { key, bytes } of images) await first.put(key, bytes, testMeta(Date.now()))
    expect(first.pending).toBe(20)
    await first.close()

    // The restarted instance finds them on disk, with Redis still down.
    const second = redisStorage({ link: await link(), fallback: await fsStorage({ dataDir }), log })
    for (const { key, bytes } of images) {
      expect(firstDifference(await readBody((await second.get(key))!.body), bytes)).toBe(-1)
    }
    expect(second.pending).toBe(20)

    await redis.start()
    await until(() => second.pending === 0)
    // Another instance, with nothing on its own disk, now serves them from Redis.
    const other = redisStorage({ link: await link(), fallback: memoryStorage() })
    for (const { key, bytes } of images) {
      expect(firstDifference(await readBody((await other.get(key))!.body), bytes)).toBe(-1)
    }
    await Promise.all([second.close(), other.close()])
  })

  it('copies what a previous run left on disk as soon as it starts with Redis up', async () => {
    const dataDir = await tempDir()
    const key = newImageKey()
    const bytes = randomBytes(500)
    const disk = await fsStorage({ dataDir })
    await disk.put(key, bytes, testMeta(Date.now()))
    await disk.close()
    const store = redisStorage({ link: await link(), fallback: await fsStorage({ dataDir }), log })
    const other = redisStorage({ link: await link(), fallback: memoryStorage() })
    await until(async () => (await other.get(key)) !== null)
    expect(await readBody((await other.get(key))!.body)).toEqual(bytes)
    expect(store.pending).toBe(0)
    await Promise.all([store.close(), other.close()])
  })

  it('serves the newest copy when a key is written again during and after an outage', async () => {
    const store = redisStorage({ link: await link(), fallback: memoryStorage(), log })
    const key = newImageKey()
    await store.put(key, randomBytes(10), testMeta(Date.now()))
    await redis.stop()
    const during = randomBytes(20)
    await store.put(key, during, testMeta(Date.now()))
    expect(await readBody((await store.get(key))!.body)).toEqual(during)
    await redis.start()
    await until(() => store.pending === 0)
    expect(await readBody((await store.get(key))!.body)).toEqual(during)
    await store.close()
  })

  it('serves an image whose copy to Redis completes while it is being read', async () => {
    const inner = memoryStorage()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let stallNextRead = false
    // The read the test marks stalls before it looks, so the copy to Redis can move it meanwhile.
    const fallback: ListableImageStore = {
      kind: 'memory',
      entries: () => inner.entries(),
      put: (key, bytes, meta) => inner.put(key, bytes, meta),
      delete: (key) => inner.delete(key),
      async get(key) {
        if (stallNextRead) {
          stallNextRead = false
          await gate
        }
        return inner.get(key)
      },
    }
    const connection = await link()
    const store = redisStorage({ link: connection, fallback, log })
    await redis.stop()
    await until(() => !connection.up)
    const key = newImageKey()
    const bytes = randomBytes(100)
    await store.put(key, bytes, testMeta(Date.now()))
    stallNextRead = true
    const reading = store.get(key)
    await redis.start()
    await until(() => store.pending === 0)
    release()
    expect(await readBody((await reading)!.body)).toEqual(bytes)
    expect(store.dropped).toBe(0)
    await store.close()
  })

  it('logs and counts an image lost before it reached Redis', async () => {
    const dropped: string[] = []
    const fallback = memoryStorage({ maxBytes: 2_000 })
    const store = redisStorage({
      link: await link(),
      fallback,
      log,
      onDrop: (key) => dropped.push(key),
    })
    await redis.stop()
    const [oldest, newer] = [newImageKey(), newImageKey()]
    await store.put(oldest, randomBytes(1_500), testMeta(Date.now()))
    await store.put(newer, randomBytes(1_500), testMeta(Date.now())) // evicts `oldest`
    expect(await store.get(oldest)).toBeNull()
    expect(dropped).toEqual([oldest])
    expect(store.dropped).toBe(1)
    const lost = logs.filter((line) => String(line.message).includes('lost'))
    expect(lost).toHaveLength(1)
    expect(lost[0]!.level).toBe('error')
    expect(String(lost[0]!.message)).toContain(oldest.slice(0, 6))
    expect(String(lost[0]!.message)).not.toContain(oldest)
    await redis.start()
    await until(() => store.pending === 0)
    expect(store.dropped).toBe(1)
    await store.close()
  })
})

describe.skipIf(!redisAvailable)('a gateway restarted during a Redis outage', () => {
  it('still serves every link it handed out before the restart, and Redis gets them later', async () => {
    const dataDir = await tempDir()
    const env = { PORT: '0', HOST: '127.0.0.1', STORAGE: 'redis', REDIS_URL: redis.url }
    const start = (dir: string) => startNodeServer({ ...env, DATA_DIR: dir }, { log: () => {} })
    let gateway = await start(dataDir)
    await redis.stop()
    const paths: string[] = []
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${gateway.url}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `a lighthouse ${i}`, n: 4, size: '256x256' }),
      })
      expect(response.status, await response.clone().text()).toBe(200)
      const { data } = (await response.json()) as { data: { url: string }[] }
      paths.push(...data.map((item) => new URL(item.url).pathname))
    }
    expect(paths).toHaveLength(20)
    const before = await Promise.all(paths.map((path) => bytesAt(gateway.url, path)))

    await gateway.close()
    gateway = await start(dataDir)
    for (const [i, path] of paths.entries()) {
      expect(await bytesAt(gateway.url, path), path).toEqual(before[i])
    }

    // Once Redis is back, an instance with an empty disk serves them too.
    await redis.start()
    const other = await start(await tempDir())
    const served = async () => Promise.all(paths.map((path) => bytesAt(other.url, path)))
    // Generous: the replay waits for the reconnect, which a loaded machine makes slow.
    await until(async () => (await served()).every((bytes) => bytes !== null), 40_000)
    expect(await served()).toEqual(before)
    await Promise.all([gateway.close(), other.close()])
  }, 90_000) // three gateway starts, one of them waiting out Redis's start-up timeout
})

async function bytesAt(origin: string, path: string): Promise<Uint8Array | null> {
  const response = await fetch(`${origin}${path}`)
  return response.status === 200 ? new Uint8Array(await response.arrayBuffer()) : null
}
