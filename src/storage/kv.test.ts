import { describe, expect, it } from 'vitest'
import { testMeta } from '../../test/contracts/storage.ts'
import { GatewayError } from '../errors.ts'
import { KV_MAX_VALUE_BYTES, type KvBinding, kvStorage } from './kv.ts'

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

  it('refuses an image over KV’s 25 MiB value limit with a clear 502, without calling KV', async () => {
    const kv = fakeKv()
    const store = kvStorage({ binding: kv.binding, now: () => 0 })
    const error = await store
      .put(KEY, new Uint8Array(KV_MAX_VALUE_BYTES + 1), testMeta(0))
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(GatewayError)
    expect(error).toMatchObject({ status: 502, code: 'image_too_large_to_store', retryable: false })
    expect((error as Error).message).toContain('25 MiB')
    expect(kv.puts).toHaveLength(0)
    await store.put(KEY, new Uint8Array(KV_MAX_VALUE_BYTES), testMeta(0))
    expect(kv.puts).toHaveLength(1)
  })

  it('advertises its limits, and warns once when it stretches a TTL to KV’s floor', async () => {
    const kv = fakeKv()
    const lines: Record<string, unknown>[] = []
    const store = kvStorage({ binding: kv.binding, now: () => 0, log: (line) => lines.push(line) })
    expect(store.limits).toEqual({ maxImageBytes: 25 * 1024 * 1024, minTtlSeconds: 60 })
    await store.put(KEY, new Uint8Array(3), testMeta(0, 90_000))
    expect(lines).toEqual([])
    await store.put(KEY, new Uint8Array(3), testMeta(0, 30_000))
    await store.put(KEY, new Uint8Array(3), testMeta(0, 30_000))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 'warn' })
    expect(String(lines[0]!.message)).toContain('60 s')
  })
})
