import { describe, expect, it } from 'vitest'
import {
  describeStorageContract,
  randomBytes,
  readBody,
  testClock,
  testMeta,
} from '../../test/contracts/storage.ts'
import { newImageKey } from './keys.ts'
import { memoryStorage } from './memory.ts'

describeStorageContract('memory', ({ now }) => memoryStorage({ now }))

describe('memory storage', () => {
  it('holds at most maxBytes of images, evicting the oldest first and reporting each', async () => {
    const clock = testClock()
    const evicted: string[] = []
    const store = memoryStorage({
      now: clock.now,
      maxBytes: 3_000,
      onEvict: (key) => evicted.push(key),
    })
    const keys = [newImageKey(), newImageKey(), newImageKey(), newImageKey()]
    for (const key of keys) await store.put(key, randomBytes(1_000), testMeta(clock.now()))
    // Four 1,000-byte images under a 3,000-byte cap: the first one made room for the fourth.
    expect(evicted).toEqual([keys[0]])
    expect(await store.get(keys[0]!)).toBeNull()
    for (const key of keys.slice(1)) expect(await store.get(key)).not.toBeNull()
    expect(store.bytes).toBe(3_000)

    // A 1,500-byte image needs the room of the next two oldest.
    const big = newImageKey()
    const bytes = randomBytes(1_500)
    await store.put(big, bytes, testMeta(clock.now()))
    expect(evicted).toEqual(keys.slice(0, 3))
    expect(await readBody((await store.get(big))!.body)).toEqual(bytes)
    expect(store.bytes).toBe(2_500)
  })

  it('makes room from expired images before evicting live ones', async () => {
    const clock = testClock()
    const evicted: string[] = []
    const store = memoryStorage({
      now: clock.now,
      maxBytes: 2_000,
      onEvict: (k) => evicted.push(k),
    })
    const [live, dying, next] = [newImageKey(), newImageKey(), newImageKey()]
    await store.put(live, randomBytes(1_000), testMeta(clock.now(), 60_000))
    await store.put(dying, randomBytes(1_000), testMeta(clock.now(), 1_000))
    clock.advance(1_000)
    await store.put(next, randomBytes(1_000), testMeta(clock.now()))
    expect(evicted).toEqual([])
    expect(await store.get(live)).not.toBeNull()
    expect(store.bytes).toBe(2_000)
  })

  it('counts a replaced image once and refuses one larger than the whole cap', async () => {
    const clock = testClock()
    const store = memoryStorage({ now: clock.now, maxBytes: 1_000 })
    const key = newImageKey()
    await store.put(key, randomBytes(600), testMeta(clock.now()))
    await store.put(key, randomBytes(700), testMeta(clock.now()))
    expect(store.bytes).toBe(700)
    await expect(
      store.put(newImageKey(), randomBytes(1_001), testMeta(clock.now())),
    ).rejects.toThrow(/larger than the memory store's cap/)
    expect(await store.get(key)).not.toBeNull()
  })

  it('defaults to a 256 MiB cap', () => {
    expect(memoryStorage().maxBytes).toBe(256 * 1024 * 1024)
  })

  it('lists the keys it holds with their expiry, leaving out expired ones', async () => {
    const clock = testClock()
    const store = memoryStorage({ now: clock.now })
    const [a, b] = [newImageKey(), newImageKey()]
    await store.put(a, randomBytes(10), testMeta(clock.now(), 5_000))
    await store.put(b, randomBytes(10), testMeta(clock.now(), 60_000))
    clock.advance(5_000)
    expect(await store.entries()).toEqual([{ key: b, expiresAt: clock.now() + 55_000 }])
  })
})
