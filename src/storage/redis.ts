import type { RedisLink } from '../runtime/redis.ts'
import { isImageKey } from './keys.ts'
import { decodeMeta } from './meta.ts'
import type { ImageMeta, ImageStore, StoredImage } from './types.ts'

/** Options for {@link redisStorage}. */
export type RedisStorageOptions = {
  link: RedisLink
  now?: () => number
  /** Prepended to every key, so one Redis can serve other programs too. Default `fluxgate:img:`. */
  prefix?: string
  /** Most image bytes held in memory while Redis is away; default 256 MiB. */
  maxFallbackBytes?: number
}

/** The Redis store, with what it holds locally exposed for tests and the soak script. */
export type RedisImageStore = ImageStore & {
  /** Images written while Redis was away and not yet copied to it. */
  readonly pending: number
  /** Copies the images held locally to Redis; runs by itself when Redis returns. */
  flush(): Promise<void>
}

type LocalEntry = { record: Buffer; meta: ImageMeta }

/**
 * Images in Redis (Node only; STORAGE=redis), so every instance of a fleet serves every image.
 * Each image is one value, `SET <prefix><key> <record> PX <ms left>`: a 4-byte header length, a
 * JSON header (size and metadata), then the bytes, so bytes and metadata appear and expire
 * together. Expiry is Redis's TTL, and is checked again on read against `meta.expiresAt`.
 *
 * While Redis is unreachable, generation keeps working: writes go to process memory (bounded by
 * `maxFallbackBytes`; past it a write fails) and this instance serves them; when Redis returns
 * they are copied to it with the time they have left, so an image handed out during the outage
 * is never lost and soon every instance serves it. Reads of images that only Redis holds answer
 * "not found" until it returns (the direct API then generates the image again).
 */
export function redisStorage(options: RedisStorageOptions): RedisImageStore {
  const { link } = options
  const now = options.now ?? Date.now
  const prefix = options.prefix ?? 'fluxgate:img:'
  const maxFallbackBytes = options.maxFallbackBytes ?? 256 * 1024 * 1024
  const local = new Map<string, LocalEntry>()
  let localBytes = 0
  let flushing: Promise<void> | undefined

  const forget = (key: string) => {
    const entry = local.get(key)
    if (!entry) return
    localBytes -= entry.record.length
    local.delete(key)
  }
  const write = (key: string, record: Buffer, meta: ImageMeta) =>
    link.client.set(prefix + key, record, 'PX', Math.max(1, meta.expiresAt - now()))

  async function flushOnce(): Promise<void> {
    for (const [key, entry] of local) {
      if (!link.up) return
      if (entry.meta.expiresAt > now()) await write(key, entry.record, entry.meta)
      // A newer put of the same key may have replaced the entry while this write was in flight.
      if (local.get(key) === entry) forget(key)
    }
  }
  const flush = () =>
    (flushing ??= flushOnce()
      .catch(() => {}) // still unreachable: the next recovery or successful write retries
      .finally(() => {
        flushing = undefined
      }))
  link.onRecover(() => void flush())

  function keepLocally(key: string, record: Buffer, meta: ImageMeta): void {
    forget(key)
    const time = now()
    for (const [k, entry] of local) if (entry.meta.expiresAt <= time) forget(k)
    if (localBytes + record.length > maxFallbackBytes) {
      throw new Error('[redis storage] Redis is unreachable and the local fallback is full')
    }
    local.set(key, { record, meta })
    localBytes += record.length
  }

  return {
    kind: 'redis',
    get pending() {
      return local.size
    },
    flush,
    async get(key) {
      if (!isImageKey(key)) return null
      let record: Buffer | null = null
      if (link.up) record = await link.client.getBuffer(prefix + key).catch(() => null)
      record ??= local.get(key)?.record ?? null
      const image = record && parseRecord(record)
      return image && image.meta.expiresAt > now() ? image : null
    },
    async put(key, bytes, meta) {
      if (!isImageKey(key)) throw new Error('[redis storage] invalid image key')
      const header = Buffer.from(JSON.stringify({ size: bytes.length, meta }))
      // A fresh buffer: a caller reusing `bytes` afterwards cannot change what is stored.
      const record = Buffer.allocUnsafe(4 + header.length + bytes.length)
      record.writeUInt32BE(header.length, 0)
      header.copy(record, 4)
      record.set(bytes, 4 + header.length)
      if (link.up) {
        try {
          await write(key, record, meta)
          forget(key)
          if (local.size) void flush()
          return
        } catch {
          // Redis went away mid-write (the link logs it once): keep the image here instead.
        }
      }
      keepLocally(key, record, meta)
    },
    async delete(key) {
      if (!isImageKey(key)) return
      forget(key)
      // During an outage the Redis copy, if any, is left to its TTL.
      if (link.up) await link.client.del(prefix + key).catch(() => {})
    },
    async close() {
      await flushing
    },
  }
}

/** Parses a stored record; null when it is not one of ours or was cut short. */
function parseRecord(record: Buffer): StoredImage | null {
  if (record.length < 4) return null
  const length = record.readUInt32BE(0)
  if (length === 0 || 4 + length > record.length) return null
  let header: { size?: unknown; meta?: unknown }
  try {
    header = JSON.parse(record.toString('utf8', 4, 4 + length))
  } catch {
    return null
  }
  const meta = decodeMeta(header.meta)
  const size = record.length - 4 - length
  if (!meta || header.size !== size) return null
  const body = new Uint8Array(record.buffer, record.byteOffset + 4 + length, size)
  return { meta, body, size }
}
