import { describe, expect, it } from 'vitest'
import { readBody, testMeta } from '../../test/contracts/storage.ts'
import { decodeR2Meta, encodeR2Meta, type R2Binding, type R2ObjectLike, r2Storage } from './r2.ts'

type Stored = { bytes: Uint8Array; customMetadata: Record<string, string>; contentType: string }

/** An in-memory bucket; the real binding is exercised in test/worker/r2.test.ts. */
function fakeBucket() {
  const objects = new Map<string, Stored>()
  const deleted: string[] = []
  const cancelled: string[] = []
  const bucket: R2Binding = {
    async get(key) {
      const stored = objects.get(key)
      if (!stored) return null
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(stored.bytes)
          controller.close()
        },
        cancel: () => void cancelled.push(key),
      })
      return { body, size: stored.bytes.length, customMetadata: stored.customMetadata }
    },
    async put(key, value, options) {
      const { customMetadata, httpMetadata } = options
      objects.set(key, {
        bytes: value.slice(),
        customMetadata,
        contentType: httpMetadata.contentType,
      })
    },
    async delete(key) {
      deleted.push(key)
      objects.delete(key)
    },
  }
  return { bucket, objects, deleted, cancelled }
}

const KEY = 'AAAAAAAAAAAAAAAAAAAAAA'

/** R2's count: names and values, 2 bytes a character in a string with anything past Latin-1. */
function r2MetadataSize(record: Record<string, string>): number {
  const size = (text: string) => (/[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length)
  return Object.entries(record).reduce(
    (total, [name, value]) => total + size(name) + size(value),
    0,
  )
}

describe('r2Storage', () => {
  it('stores every metadata field as a JSON string and the content type as HTTP metadata', async () => {
    const r2 = fakeBucket()
    const store = r2Storage({ bucket: r2.bucket, now: () => 0 })
    const meta = testMeta(0, 60_000, { contentType: 'image/jpeg', promptModel: null })
    await store.put(KEY, new Uint8Array([1, 2, 3]), meta)
    const stored = r2.objects.get(KEY)!
    expect(stored.contentType).toBe('image/jpeg')
    expect(stored.customMetadata).toEqual({
      contentType: '"image/jpeg"',
      width: '2',
      height: '3',
      prompt: '"a cat"',
      finalPrompt: '"a cat, photo"',
      promptModel: 'null',
      model: '"demo"',
      provider: '"demo"',
      seed: '42',
      createdAt: '0',
      expiresAt: '60000',
    })
    expect((await store.get(KEY))!.meta).toEqual(meta)
  })

  it('hands back R2’s body stream as it is, not a buffered copy', async () => {
    const r2 = fakeBucket()
    let served: R2ObjectLike | undefined
    const bucket: R2Binding = {
      ...r2.bucket,
      async get(key) {
        served = (await r2.bucket.get(key)) ?? undefined
        return served ?? null
      },
    }
    const store = r2Storage({ bucket, now: () => 0 })
    await store.put(KEY, new Uint8Array([9, 8, 7]), testMeta(0))
    const image = await store.get(KEY)
    expect(image!.body).toBe(served!.body)
    expect(image!.size).toBe(3)
    expect(await readBody(image!.body)).toEqual(new Uint8Array([9, 8, 7]))
  })

  it('keeps metadata under R2’s 2,048-byte limit with 5,000-character prompts', async () => {
    const r2 = fakeBucket()
    const store = r2Storage({ bucket: r2.bucket, now: () => 0 })
    const prompt = '桜の木の下で '.repeat(700)
    await store.put(KEY, new Uint8Array(3), testMeta(0, 60_000, { prompt, finalPrompt: prompt }))
    const { customMetadata } = r2.objects.get(KEY)!
    expect(r2MetadataSize(customMetadata)).toBeLessThanOrEqual(2048)
    const meta = (await store.get(KEY))!.meta
    expect(meta.prompt.length).toBeGreaterThan(100)
    expect(prompt.startsWith(meta.prompt)).toBe(true)
  })

  it('counts a mostly-ASCII prompt with one emoji at 2 bytes a character, as R2 does', async () => {
    const r2 = fakeBucket()
    const store = r2Storage({ bucket: r2.bucket, now: () => 0 })
    const prompt = `🦊 ${'a fox in the snow '.repeat(300)}`
    await store.put(KEY, new Uint8Array(3), testMeta(0, 60_000, { prompt, finalPrompt: prompt }))
    const { customMetadata } = r2.objects.get(KEY)!
    expect(customMetadata.prompt!.startsWith('"🦊 a fox')).toBe(true)
    expect(r2MetadataSize(customMetadata)).toBeLessThanOrEqual(2048)
  })

  it('deletes an expired object when it is read, and releases its body', async () => {
    const r2 = fakeBucket()
    let time = 0
    const store = r2Storage({ bucket: r2.bucket, now: () => time })
    await store.put(KEY, new Uint8Array(3), testMeta(0, 5_000))
    time = 4_999
    expect(await store.get(KEY)).not.toBeNull()
    time = 5_000
    expect(await store.get(KEY)).toBeNull()
    expect(r2.deleted).toEqual([KEY])
    expect(r2.cancelled).toContain(KEY)
    expect(r2.objects.has(KEY)).toBe(false)
  })

  it('serves nothing for an object without our metadata, and leaves it in the bucket', async () => {
    const r2 = fakeBucket()
    const store = r2Storage({ bucket: r2.bucket })
    r2.objects.set(KEY, { bytes: new Uint8Array(4), customMetadata: {}, contentType: 'text/plain' })
    expect(await store.get(KEY)).toBeNull()
    expect(r2.deleted).toEqual([])
    expect(r2.objects.has(KEY)).toBe(true)
  })

  it('answers 404-style null, not an error, when deleting an expired object fails', async () => {
    const r2 = fakeBucket()
    const bucket: R2Binding = {
      ...r2.bucket,
      delete: async () => Promise.reject(new Error('R2 is having a bad day')),
    }
    let time = 0
    const store = r2Storage({ bucket, now: () => time })
    await store.put(KEY, new Uint8Array(3), testMeta(0, 1_000))
    time = 2_000
    await expect(store.get(KEY)).resolves.toBeNull()
  })
})

describe('R2 custom metadata', () => {
  it('round-trips metadata with and without a seed, and with the prompt model', () => {
    const seeded = testMeta(1_700_000_000_000, 60_000, { promptModel: 'glm-4-flash' })
    expect(decodeR2Meta(encodeR2Meta(seeded))).toEqual(seeded)
    const { seed: _, ...unseeded } = seeded
    const decoded = decodeR2Meta(encodeR2Meta(unseeded))
    expect(decoded).toEqual(unseeded)
    expect(decoded).not.toHaveProperty('seed')
  })

  it('rejects records that are not ours or have no usable expiry', () => {
    expect(decodeR2Meta(undefined)).toBeNull()
    expect(decodeR2Meta({ author: 'someone' })).toBeNull()
    expect(decodeR2Meta({ contentType: '"image/png"', expiresAt: '"soon"' })).toBeNull()
    expect(decodeR2Meta({ contentType: '"image/png"' })).toBeNull()
    expect(decodeR2Meta({ contentType: 'image/png', expiresAt: '1' })).toBeNull()
  })
})
