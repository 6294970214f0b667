import { describe, expect, it } from 'vitest'
import { testMeta } from '../../test/contracts/storage.ts'
import { type KvBinding, kvStorage } from './kv.ts'

type Put = { key: string; value: Uint8Array; options: { expirationTtl: number; metadata: unknown } }

/** Records what the driver hands KV; the real binding is exercised in test/worker/storage.test.ts. */
function fakeKv() {
  const puts: Put[] = []
  const values = new Map<string, { value: ArrayBuffer; metadata: unknown }>()
  const binding: KvBinding = {
    async getWithMetadata<M>(key: string) {
      const entry = values.get(key)
      return { value: entry?.value ?? null, metadata: (entry?.metadata ?? null) as M | null }
    },
    async put(key, value, options) {
      puts.push({ key, value, options })
      values.set(key, { value: value.slice().buffer, metadata: options.metadata })
    },
    async delete(key) {
      values.delete(key)
    },
  }
  return { binding, puts, values }
}

const KEY = 'AAAAAAAAAAAAAAAAAAAAAA'

describe('kvStorage', () => {
  it('never asks KV for a TTL under its 60-second floor', async () => {
    const kv = fakeKv()
    const store = kvStorage({ binding: kv.binding, now: () => 1_000_000 })
    await store.put(KEY, new Uint8Array(3), testMeta(1_000_000, 10_000))
    expect(kv.puts[0]!.options.expirationTtl).toBe(60)
  })

  it('sets the TTL to the image’s remaining lifetime, rounded up', async () => {
    const kv = fakeKv()
    const store = kvStorage({ binding: kv.binding, now: () => 1_000_000 })
    await store.put(KEY, new Uint8Array(3), testMeta(1_000_000, 1_800_500))
    expect(kv.puts[0]!.options.expirationTtl).toBe(1801)
  })

  it('keeps metadata within 1024 bytes with a 5,000-character prompt', async () => {
    const kv = fakeKv()
    const store = kvStorage({ binding: kv.binding, now: () => 0 })
    const prompt = 'ü'.repeat(5000)
    await store.put(KEY, new Uint8Array(3), testMeta(0, 60_000, { prompt, finalPrompt: prompt }))
    const json = JSON.stringify(kv.puts[0]!.options.metadata)
    expect(new TextEncoder().encode(json).length).toBeLessThanOrEqual(1024)
    expect((await store.get(KEY))!.meta.prompt.length).toBeGreaterThan(0)
  })

  it('serves nothing for a value without our metadata (a seed’s old entry) or past expiry', async () => {
    const kv = fakeKv()
    let time = 0
    const store = kvStorage({ binding: kv.binding, now: () => time })
    kv.values.set(KEY, { value: new ArrayBuffer(4), metadata: null })
    expect(await store.get(KEY)).toBeNull()
    await store.put(KEY, new Uint8Array(3), testMeta(0, 90_000))
    expect(await store.get(KEY)).not.toBeNull()
    time = 90_000 // KV's own expiry is lazy; the driver checks the metadata
    expect(await store.get(KEY)).toBeNull()
  })
})
