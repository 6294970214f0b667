import type { Logger } from '../middleware/request-log.ts'
import type { RedisLink } from '../runtime/redis.ts'
import { isImageKey } from './keys.ts'
import { decodeMeta } from './meta.ts'
import type { ImageMeta, ImageStore, ListableImageStore, StoredImage } from './types.ts'

/** Options for {@link redisStorage}. */
export type RedisStorageOptions = {
  link: RedisLink
  /**
   * Where images go while Redis is away, and are served from until they are copied to it. On
   * Node it is the fs store under DATA_DIR, so they survive a restart; a memory store works
   * but loses them then. The Redis store owns it: `close()` closes it too.
   */
  fallback: ListableImageStore
  now?: () => number
  /** Prepended to every key, so one Redis can serve other programs too. Default `fluxgate:img:`. */
  prefix?: string
  /** Where an image lost before it reached Redis is reported. */
  log?: Logger
  /** Called once for each image lost before it reached Redis (a metrics counter, say). */
  onDrop?: (key: string) => void
}

/** The Redis store, with what it holds in its fallback exposed for tests, metrics and the soak. */
export type RedisImageStore = ImageStore & {
  /** Images in the fallback not yet copied to Redis. */
  readonly pending: number
  /** Images lost before they reached Redis (gone from the fallback before their expiry). */
  readonly dropped: number
  /** Copies the fallback's images to Redis; runs by itself at start and when Redis returns. */
  flush(): Promise<void>
  /** Waits for a copy in progress, then closes the fallback. */
  close(): Promise<void>
}

type Held = { expiresAt: number }

/**
 * Images in Redis (Node only; STORAGE=redis), so every instance of a fleet serves every image.
 * Each image is one value, `SET <prefix><key> <record> PX <ms left>`: a 4-byte header length, a
 * JSON header (size and metadata), then the bytes, so bytes and metadata appear and expire
 * together. Expiry is Redis's TTL, and is checked again on read against `meta.expiresAt`.
 *
 * While Redis is unreachable, generation keeps working: writes go to the fallback store and this
 * instance serves them from there. When Redis returns, or at the next start if the process was
 * restarted meanwhile, they are copied to Redis with the time they have left and removed from
 * the fallback, so soon every instance serves them. A key with a copy in the fallback is always
 * read from there and written there: that copy is the newest. An image that vanishes from the
 * fallback before its expiry is logged and counted. Reads of images that only Redis holds
 * answer "not found" until it returns (the direct API then generates the image again).
 */
export function redisStorage(options: RedisStorageOptions): RedisImageStore {
  const { link, fallback } = options
  const now = options.now ?? Date.now
  const prefix = options.prefix ?? 'fluxgate:img:'
  /** Keys whose newest copy is in the fallback. */
  const held = new Map<string, Held>()
  /** Copies to Redis in progress, per key: writes and deletes of that key wait for them. */
  const copying = new Map<string, Promise<void>>()
  let dropped = 0
  let flushing: Promise<void> | undefined

  // What an earlier run left in the fallback: it stopped while Redis was away.
  const ready = fallback
    .entries()
    .then((entries) => {
      for (const { key, expiresAt } of entries) if (!held.has(key)) held.set(key, { expiresAt })
    })
    .catch(() => {})

  const write = (key: string, record: Uint8Array, expiresAt: number) =>
    link.client.set(
      prefix + key,
      Buffer.from(record.buffer, record.byteOffset, record.length),
      'PX',
      Math.max(1, expiresAt - now()),
    )

  function lost(key: string, entry: Held): void {
    held.delete(key)
    if (entry.expiresAt <= now()) return // expired, as it would have in Redis
    dropped++
    // The key is an image's only secret: name it by a prefix that cannot fetch it.
    options.log?.({
      level: 'error',
      message: `[redis storage] image ${key.slice(0, 6)}… was lost before it reached Redis: the fallback store no longer has it`,
    })
    options.onDrop?.(key)
  }

  async function fromFallback(key: string, entry: Held): Promise<StoredImage | null> {
    const image = await fallback.get(key)
    if (!image && held.get(key) === entry) lost(key, entry)
    return image
  }

  async function copyToRedis(key: string, entry: Held): Promise<void> {
    const image = await fromFallback(key, entry)
    if (!image) return
    await write(key, encodeRecord(await bodyBytes(image.body), image.meta), image.meta.expiresAt)
    held.delete(key)
    await fallback.delete(key)
  }

  async function flushOnce(): Promise<void> {
    await ready
    for (const [key, entry] of held) {
      if (!link.up) return
      const step = copyToRedis(key, entry)
      copying.set(key, step)
      try {
        await step
      } finally {
        copying.delete(key)
      }
    }
  }
  const flush = () =>
    (flushing ??= flushOnce()
      .catch(() => {}) // Redis went away again: the next recovery or successful write retries
      .finally(() => {
        flushing = undefined
      }))
  link.onRecover(() => void flush())
  void ready.then(() => (link.up && held.size ? flush() : undefined))

  return {
    kind: 'redis',
    get pending() {
      return held.size
    },
    get dropped() {
      return dropped
    },
    flush,
    async get(key) {
      if (!isImageKey(key)) return null
      await ready
      const entry = held.get(key)
      let image: StoredImage | null = null
      if (entry) image = await fromFallback(key, entry)
      // Not (or no longer) held: a copy to Redis may have moved it there during the read.
      if (!image && !held.has(key) && link.up) {
        const record = await link.client.getBuffer(prefix + key).catch(() => null)
        image = record && parseRecord(record)
      }
      return image && image.meta.expiresAt > now() ? image : null
    },
    async put(key, bytes, meta) {
      if (!isImageKey(key)) throw new Error('[redis storage] invalid image key')
      await ready
      await copying.get(key)
      if (link.up && !held.has(key)) {
        try {
          await write(key, encodeRecord(bytes, meta), meta.expiresAt)
          if (held.size) void flush()
          return
        } catch {
          // Redis went away mid-write (the link logs it once): the fallback takes the image.
        }
      }
      // Throws when the fallback cannot take it either (a full disk): then no link is handed out.
      await fallback.put(key, bytes, meta)
      held.set(key, { expiresAt: meta.expiresAt })
      if (link.up) void flush()
    },
    async delete(key) {
      if (!isImageKey(key)) return
      await ready
      await copying.get(key)
      if (held.delete(key)) await fallback.delete(key)
      // During an outage the Redis copy, if any, is left to its TTL.
      if (link.up) await link.client.del(prefix + key).catch(() => {})
    },
    async close() {
      await flushing
      await fallback.close?.()
    },
  }
}

/** The stored value: header length, JSON header, bytes (a fresh copy of `bytes`). */
function encodeRecord(bytes: Uint8Array, meta: ImageMeta): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ size: bytes.length, meta }))
  const record = new Uint8Array(4 + header.length + bytes.length)
  new DataView(record.buffer).setUint32(0, header.length)
  record.set(header, 4)
  record.set(bytes, 4 + header.length)
  return record
}

async function bodyBytes(body: StoredImage['body']): Promise<Uint8Array> {
  return body instanceof ReadableStream
    ? new Uint8Array(await new Response(body).arrayBuffer())
    : body
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
