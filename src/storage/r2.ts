import { decodeMeta, encodeMeta } from './meta.ts'
import type { ImageMeta, ImageStore } from './types.ts'

/** The object R2 returns from `get`: a streamed body plus what was stored alongside it. */
export interface R2ObjectLike {
  readonly body: ReadableStream<Uint8Array>
  readonly size: number
  readonly customMetadata?: Record<string, string>
}

/** The part of the Workers R2 binding this driver uses (so the core needs no Workers types). */
export interface R2Binding {
  get(key: string): Promise<R2ObjectLike | null>
  put(
    key: string,
    value: Uint8Array,
    options: { httpMetadata: { contentType: string }; customMetadata: Record<string, string> },
  ): Promise<unknown>
  delete(key: string): Promise<void>
}

/**
 * R2 allows 2,048 bytes of custom metadata (names plus values), counted as UTF-16, 2 bytes a
 * character, when a value holds anything beyond Latin-1 (Miniflare enforces the same rule). A
 * JSON record within 1,000 UTF-8 bytes stays under 2,000 by that count.
 */
const META_BUDGET = 1000

/**
 * Images in an R2 bucket (`IMAGES_BUCKET`): bytes as the object body, streamed back on read;
 * metadata as custom metadata, one entry per field, so the dashboard shows it. R2 has no TTL,
 * so expiry is the stored `expiresAt`, checked on every read; an expired object is deleted when
 * it is read, and a bucket lifecycle rule (README, "Deploy") removes the ones nobody reads again.
 */
export function r2Storage(options: { bucket: R2Binding; now?: () => number }): ImageStore {
  const { bucket } = options
  const now = options.now ?? Date.now
  return {
    kind: 'r2',
    async get(key) {
      const object = await bucket.get(key)
      if (!object) return null
      const meta = decodeR2Meta(object.customMetadata)
      if (meta && meta.expiresAt > now()) return { meta, body: object.body, size: object.size }
      // Release the connection behind a body nobody will read rather than wait for the garbage
      // collector. (Local workerd logs "pump canceled" for this; it is not an error.)
      await object.body.cancel().catch(() => {})
      // Only our own expired objects are removed; anything else in a shared bucket is left alone.
      // A failed delete must not turn this 404 into a 500: the lifecycle rule gets it later.
      if (meta) await bucket.delete(key).catch(() => {})
      return null
    },
    async put(key, bytes, meta) {
      await bucket.put(key, bytes, {
        httpMetadata: { contentType: meta.contentType },
        customMetadata: encodeR2Meta(meta),
      })
    },
    async delete(key) {
      await bucket.delete(key)
    },
  }
}

/**
 * Metadata as R2 custom metadata: one entry per field, its value as JSON (R2 takes only strings;
 * JSON keeps numbers, null and fields added to ImageMeta later intact without a list here), the
 * prompts cut by the same rule as KV's so the whole record stays within R2's limit.
 */
export function encodeR2Meta(meta: ImageMeta, budget = META_BUDGET): Record<string, string> {
  // encodeMeta bounds the whole JSON object; its names plus JSON values take fewer bytes.
  const fitted = JSON.parse(encodeMeta(meta, budget)) as Record<string, unknown>
  return Object.fromEntries(
    Object.entries(fitted).map(([name, value]) => [name, JSON.stringify(value)]),
  )
}

/** Reads metadata written by encodeR2Meta; null for an object that is not ours. */
export function decodeR2Meta(record: Record<string, string> | undefined): ImageMeta | null {
  if (!record) return null
  try {
    return decodeMeta(
      Object.fromEntries(Object.entries(record).map(([name, value]) => [name, JSON.parse(value)])),
    )
  } catch {
    return null // not JSON: somebody else's object in a shared bucket
  }
}
