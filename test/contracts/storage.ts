import { afterEach, describe, expect, it } from 'vitest'
import { newImageKey } from '../../src/storage/keys.ts'
import type { ImageMeta, ImageStore, StoredImage } from '../../src/storage/types.ts'

/**
 * The contract every image store keeps, run on each driver: memory and fs under Node, KV inside
 * workerd. It imports only vitest, Web APIs and Web-standard source, so it runs in both.
 */

/** A clock the test moves by hand. */
export type TestClock = { now: () => number; advance(ms: number): void }

export function testClock(start = Date.now()): TestClock {
  let time = start
  return {
    now: () => time,
    advance(ms) {
      time += ms
    },
  }
}

/** Builds a fresh store reading time from `now` (expiry is checked against it). */
export type StorageFactory = (options: { now: () => number }) => ImageStore | Promise<ImageStore>

/** Metadata for a test image that lives `ttlMs` from `now`. */
export function testMeta(now: number, ttlMs = 60_000, extra: Partial<ImageMeta> = {}): ImageMeta {
  return {
    contentType: 'image/png',
    width: 2,
    height: 3,
    prompt: 'a cat',
    finalPrompt: 'a cat, photo',
    model: 'demo',
    provider: 'demo',
    seed: 42,
    createdAt: now,
    expiresAt: now + ttlMs,
    ...extra,
  }
}

/** Random bytes of any length (getRandomValues fills at most 64 KiB per call). */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)))
  }
  return bytes
}

/** Reads a stored body to the end, whether the driver returned bytes or a stream. */
export async function readBody(body: StoredImage['body']): Promise<Uint8Array> {
  if (!(body instanceof ReadableStream)) return body
  return new Uint8Array(await new Response(body).arrayBuffer())
}

/**
 * Index of the first byte where `a` and `b` differ, or -1 when they are equal. vitest's
 * toEqual walks a 2 MB array element by element for seconds; this is a plain loop.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : length
}

export function describeStorageContract(name: string, factory: StorageFactory): void {
  describe(`${name} storage contract`, () => {
    let store: ImageStore | undefined
    afterEach(async () => {
      await store?.close?.()
      store = undefined
    })
    async function open() {
      const clock = testClock()
      store = await factory({ now: clock.now })
      return { store, clock }
    }

    it('returns the bytes and metadata that were put', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      const bytes = randomBytes(1000)
      const meta = testMeta(clock.now())
      await store.put(key, bytes, meta)
      const image = await store.get(key)
      expect(image).not.toBeNull()
      expect(image!.meta).toEqual(meta)
      expect(image!.size).toBe(1000)
      expect(await readBody(image!.body)).toEqual(bytes)
    })

    it('returns null for a key never stored', async () => {
      const { store } = await open()
      expect(await store.get(newImageKey())).toBeNull()
    })

    it('forgets a deleted key, and deleting an unknown key is not an error', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      await store.put(key, randomBytes(10), testMeta(clock.now()))
      await store.delete(key)
      expect(await store.get(key)).toBeNull()
      await expect(store.delete(newImageKey())).resolves.toBeUndefined()
    })

    it('replaces an entry that is put again under the same key', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      await store.put(key, randomBytes(50), testMeta(clock.now(), 60_000, { width: 1 }))
      const second = randomBytes(70)
      await store.put(key, second, testMeta(clock.now(), 60_000, { width: 7 }))
      const image = await store.get(key)
      expect(await readBody(image!.body)).toEqual(second)
      expect(image!.meta.width).toBe(7)
    })

    it('keeps entries apart by key', async () => {
      const { store, clock } = await open()
      const [a, b] = [newImageKey(), newImageKey()]
      const [bytesA, bytesB] = [randomBytes(20), randomBytes(30)]
      await Promise.all([
        store.put(a, bytesA, testMeta(clock.now())),
        store.put(b, bytesB, testMeta(clock.now())),
      ])
      expect(await readBody((await store.get(a))!.body)).toEqual(bytesA)
      expect(await readBody((await store.get(b))!.body)).toEqual(bytesB)
    })

    it('does not serve an entry once its expiry time has passed', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      await store.put(key, randomBytes(10), testMeta(clock.now(), 10_000))
      clock.advance(9_000)
      expect(await store.get(key)).not.toBeNull()
      clock.advance(1_000) // exactly at expiresAt: gone
      expect(await store.get(key)).toBeNull()
    })

    it('is not changed when the caller reuses the buffer it put', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      const bytes = randomBytes(64)
      const copy = bytes.slice()
      await store.put(key, bytes, testMeta(clock.now()))
      bytes.fill(0)
      expect(await readBody((await store.get(key))!.body)).toEqual(copy)
    })

    it('stores a 2 MB image and reads it back whole, streamed or not', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      const bytes = randomBytes(2 * 1024 * 1024)
      await store.put(key, bytes, testMeta(clock.now()))
      const image = await store.get(key)
      expect(image!.size).toBe(bytes.length)
      const read = await readBody(image!.body)
      expect(read.length).toBe(bytes.length)
      expect(firstDifference(read, bytes)).toBe(-1)
    })

    it('keeps a 5,000-character prompt within what it can store', async () => {
      const { store, clock } = await open()
      const key = newImageKey()
      const meta = testMeta(clock.now(), 60_000, {
        prompt: 'a cat in the snow '.repeat(280),
        finalPrompt: 'x',
      })
      await store.put(key, randomBytes(10), meta)
      const stored = (await store.get(key))!.meta
      // Drivers may cut prompts (KV's metadata limit) but never change anything else.
      expect({ ...stored, prompt: '', finalPrompt: '' }).toEqual({
        ...meta,
        prompt: '',
        finalPrompt: '',
      })
      expect(meta.prompt.startsWith(stored.prompt)).toBe(true)
    })
  })
}
