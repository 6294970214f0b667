import type { ImageMeta, ImageStore } from './types.ts'

/**
 * Images in process memory: for tests, and for Node users who want nothing on disk. Expired
 * entries are dropped on read and swept on write, so memory stays bounded by the TTL.
 */
export function memoryStorage(options: { now?: () => number } = {}): ImageStore {
  const now = options.now ?? Date.now
  const entries = new Map<string, { bytes: Uint8Array; meta: ImageMeta }>()
  let writes = 0
  return {
    kind: 'memory',
    async get(key) {
      const entry = entries.get(key)
      if (!entry) return null
      if (entry.meta.expiresAt <= now()) {
        entries.delete(key)
        return null
      }
      return { meta: entry.meta, body: entry.bytes, size: entry.bytes.length }
    },
    async put(key, bytes, meta) {
      // Copy, so a caller reusing its buffer cannot change what is stored.
      entries.set(key, { bytes: bytes.slice(), meta: { ...meta } })
      if (++writes % 100 === 0) {
        const time = now()
        for (const [k, entry] of entries) if (entry.meta.expiresAt <= time) entries.delete(k)
      }
    },
    async delete(key) {
      entries.delete(key)
    },
  }
}
