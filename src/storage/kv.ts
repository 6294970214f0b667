import { GatewayError } from '../errors.ts'
import { jsonLogger, type Logger } from '../middleware/request-log.ts'
import { decodeMeta, encodeMeta } from './meta.ts'
import type { ImageStore, StoreLimits } from './types.ts'
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

/** KV's largest value: 25 MiB. */
export const KV_MAX_VALUE_BYTES = 25 * 1024 * 1024
/** KV's floor for `expirationTtl`. */
const KV_MIN_TTL = 60
const LIMITS: StoreLimits = { maxImageBytes: KV_MAX_VALUE_BYTES, minTtlSeconds: KV_MIN_TTL }

export type KvStorageOptions = {
  binding: KvBinding
  now?: () => number
  /** Where the one warning about a TTL stretched to KV's floor goes; JSON lines by default. */
  log?: Logger
}

/**
 * Images in Workers KV: bytes as the value, metadata (cut to KV's 1024-byte limit) alongside,
 * expiry both as KV's TTL and in the metadata, which is checked on every read because KV's
 * expiry is lazy and its edge caches lag. KV's limits are the driver's business: a TTL under
 * its 60 s floor is stretched to 60 s (the metadata still ends the image on time), and an image
 * over its 25 MiB value limit is refused with a 502 that names the limit, instead of the opaque
 * 500 KV's own error would become. Refusing beats inlining such an image: a URL-based answer
 * (the direct API's redirect, a chat link) has nothing to inline into. R2 has no such limit.
 */
export function kvStorage(options: KvStorageOptions): ImageStore {
  const { binding } = options
  const now = options.now ?? Date.now
  const log = options.log ?? jsonLogger
  let warnedTtl = false
  return {
    kind: 'kv',
    limits: LIMITS,
    async get(key) {
      const { value, metadata } = await binding.getWithMetadata<unknown>(key, 'arrayBuffer')
      if (!value) return null
      const meta = decodeMeta(metadata)
      if (!meta || meta.expiresAt <= now()) return null
      return { meta, body: new Uint8Array(value), size: value.byteLength }
    },
    async put(key, bytes, meta) {
      if (bytes.length > KV_MAX_VALUE_BYTES) {
        const mib = (bytes.length / 1024 / 1024).toFixed(1)
        throw new GatewayError(
          502,
          'image_too_large_to_store',
          `The generated image is ${mib} MiB, over Workers KV's limit of 25 MiB per image, so it cannot be stored. Ask for a smaller size, or bind an R2 bucket as IMAGES_BUCKET.`,
          { retryable: false },
        )
      }
      const ttl = ttlSeconds(meta, now())
      if (ttl < KV_MIN_TTL && !warnedTtl) {
        warnedTtl = true
        log({
          level: 'warn',
          message: `[kv storage] an image lives ${ttl} s but Workers KV keeps values at least 60 s: KV holds it 60 s, the gateway stops serving it on time (IMAGE_EXPIRATION under 60?)`,
        })
      }
      await binding.put(key, bytes, {
        expirationTtl: Math.max(KV_MIN_TTL, ttl),
        metadata: JSON.parse(encodeMeta(meta)),
      })
    },
    async delete(key) {
      await binding.delete(key)
    },
  }
}
