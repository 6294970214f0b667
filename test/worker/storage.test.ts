import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/errors.ts'
import { KV_MAX_VALUE_BYTES, kvStorage } from '../../src/storage/kv.ts'
import { describeStorageContract, randomBytes, testMeta } from '../contracts/storage.ts'

const binding = () => (env as unknown as { IMAGES: KVNamespace }).IMAGES

describeStorageContract('kv (workerd)', ({ now }) => kvStorage({ binding: binding(), now }))

describe('kv storage in workerd', () => {
  it('stores a 5,000-character prompt with metadata inside KV’s 1024-byte limit', async () => {
    const store = kvStorage({ binding: binding() })
    const key = 'longpromptlongpromptlo'
    const prompt = '日本の桜 '.repeat(1000)
    await store.put(
      key,
      randomBytes(16),
      testMeta(Date.now(), 60_000, { prompt, finalPrompt: prompt }),
    )
    const { metadata } = await binding().getWithMetadata(key)
    expect(new TextEncoder().encode(JSON.stringify(metadata)).length).toBeLessThanOrEqual(1024)
    expect((await store.get(key))!.meta.prompt.length).toBeGreaterThan(10)
  })

  it('accepts an image that expires in under a minute (KV’s TTL floor is 60 s)', async () => {
    const store = kvStorage({ binding: binding() })
    const key = 'shortlivedshortlivedsh'
    // Real KV rejects expirationTtl < 60; the driver must round up rather than fail the write.
    await store.put(key, randomBytes(8), testMeta(Date.now(), 5_000))
    expect(await store.get(key)).not.toBeNull()
  })

  it('stores an image of exactly 25 MiB and refuses a larger one with a 502 naming the limit', async () => {
    const store = kvStorage({ binding: binding() })
    const key = 'largestlargestlargestl'
    await store.put(key, new Uint8Array(KV_MAX_VALUE_BYTES), testMeta(Date.now()))
    expect((await store.get(key))!.size).toBe(KV_MAX_VALUE_BYTES)
    const error = await store
      .put('toolargetoolargetoolar', new Uint8Array(KV_MAX_VALUE_BYTES + 1), testMeta(Date.now()))
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(GatewayError)
    expect(error).toMatchObject({ status: 502, code: 'image_too_large_to_store' })
    expect((error as Error).message).toContain('25 MiB')
  })
})
