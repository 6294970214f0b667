import { decodeMeta, encodeMeta } from './meta.ts'
import type { ImageStore } from './types.ts'
import { ttlSeconds } from './types.ts'

/** The part of the Workers KV binding this driver uses (so the core needs no Workers types). */
export interface KvBinding {
  getWithMetadata<M>(
    key: string,
    type: 'arrayBuffer',
  ): Promise<{ value: ArrayBuffer | null; metadata: M | null }>
  put(
    key: string,
    value: Uint8Array,
    options: { expirationTtl: number; metadata: unknown },
  ): Promise<void>
  delete(key: string): Promise<void>
}

/** KV's floor for `expirationTtl`. */
const KV_MIN_TTL = 60

/**
 * Images in Workers KV: bytes as the value, metadata (cut to KV's 1024-byte limit) alongside,
 * expiry both as KV's TTL (at least 60 s) and in the metadata, which is checked on every read
 * because KV's expiry is lazy and its edge caches lag.
 */
export function kvStorage(options: { binding: KvBinding; now?: () => number }): ImageStore {
  const { binding } = options
  const now = options.now ?? Date.now
  return {
    kind: 'kv',
    async get(key) {
      const { value, metadata } = await binding.getWithMetadata<unknown>(key, 'arrayBuffer')
      if (!value) return null
      const meta = decodeMeta(metadata)
      if (!meta || meta.expiresAt <= now()) return null
      return { meta, body: new Uint8Array(value), size: value.byteLength }
    },
    async put(key, bytes, meta) {
      await binding.put(key, bytes, {
        expirationTtl: Math.max(KV_MIN_TTL, ttlSeconds(meta, now())),
        metadata: JSON.parse(encodeMeta(meta)),
      })
    },
    async delete(key) {
      await binding.delete(key)
    },
  }
}
