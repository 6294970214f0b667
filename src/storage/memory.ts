import type { ImageMeta, ListableImageStore } from './types.ts'

/** Default for {@link MemoryStorageOptions.maxBytes}: about 250 images of 1 MB. */
export const DEFAULT_MEMORY_STORE_MAX_BYTES = 256 * 1024 * 1024

export type MemoryStorageOptions = {
  now?: () => number
  /** Most image bytes held; past it the oldest images are evicted. Default 256 MiB. */
  maxBytes?: number
  /** Called for each live image evicted to make room (expired ones are not reported). */
  onEvict?: (key: string) => void
}

/** The memory store, with its footprint exposed for tests and metrics. */
export type MemoryImageStore = ListableImageStore & {
  readonly maxBytes: number
  /** Image bytes held now. */
  readonly bytes: number
}

type Entry = { bytes: Uint8Array; meta: ImageMeta }

/**
 * Images in process memory: for tests, and for Node users who want nothing on disk. Bounded
 * twice: by the TTL (expired entries are dropped on read and when room is needed) and by
 * `maxBytes`, past which the oldest images are evicted, so a burst of large images cannot grow
 * the process without limit. The Map's insertion order is the age order.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): MemoryImageStore {
  const now = options.now ?? Date.now
  const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_STORE_MAX_BYTES
  const entries = new Map<string, Entry>()
  let bytes = 0
  let writes = 0

  const remove = (key: string) => {
    const entry = entries.get(key)
    if (!entry) return
    bytes -= entry.bytes.length
    entries.delete(key)
  }
  const dropExpired = () => {
    const time = now()
    for (const [key, entry] of entries) if (entry.meta.expiresAt <= time) remove(key)
  }
  function makeRoom(needed: number): void {
    // Also now and then when there is room, so a quiet instance does not hold dead images.
    if (++writes % 100 === 0) dropExpired()
    if (bytes + needed <= maxBytes) return
    dropExpired()
    for (const key of entries.keys()) {
      if (bytes + needed <= maxBytes) return
      remove(key)
      options.onEvict?.(key)
    }
  }

  return {
    kind: 'memory',
    maxBytes,
    get bytes() {
      return bytes
    },
    async get(key) {
      const entry = entries.get(key)
      if (!entry) return null
      if (entry.meta.expiresAt <= now()) {
        remove(key)
        return null
      }
      return { meta: entry.meta, body: entry.bytes, size: entry.bytes.length }
    },
    async put(key, image, meta) {
      if (image.length > maxBytes) {
        throw new Error(
          `[memory storage] a ${image.length}-byte image is larger than the memory store's cap of ${maxBytes} bytes`,
        )
      }
      remove(key) // a replaced image becomes the newest, and its old bytes stop counting
      makeRoom(image.length)
      // Copy, so a caller reusing its buffer cannot change what is stored.
      entries.set(key, { bytes: image.slice(), meta: { ...meta } })
      bytes += image.length
    },
    async delete(key) {
      remove(key)
    },
    async entries() {
      const time = now()
      return [...entries]
        .filter(([, entry]) => entry.meta.expiresAt > time)
        .map(([key, entry]) => ({ key, expiresAt: entry.meta.expiresAt }))
    },
  }
}
