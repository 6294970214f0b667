/**
 * Where generated images live until they expire. A driver stores bytes plus a small metadata
 * record with a TTL; each is one file behind this interface (memory, kv, r2 on Workers; fs,
 * redis on Node). Drivers never serve an entry past `meta.expiresAt`, even if the backend's own
 * expiry lags behind.
 */

export type ImageMeta = {
  /** Sniffed from the bytes, never taken from the upstream's claim. */
  contentType: string
  width: number
  height: number
  /** The prompt as the person wrote it, and as sent upstream (both may be cut to fit KV). */
  prompt: string
  finalPrompt: string
  /** The LLM that rewrote the prompt, if one did; replayed when a seeded request is served again. */
  promptModel?: string | null
  model: string
  provider: string
  seed?: number
  /** Epoch milliseconds. */
  createdAt: number
  expiresAt: number
}

export type StoredImage = {
  meta: ImageMeta
  /** Bytes, or a stream where the backend can stream (fs, KV). */
  body: Uint8Array | ReadableStream<Uint8Array>
  size: number
}

/** What a backend cannot take, so callers can check or warn before they rely on it. */
export type StoreLimits = {
  /** Largest image one entry holds (Workers KV: 25 MiB). */
  maxImageBytes?: number
  /** Shortest lifetime the backend keeps an entry for (Workers KV: 60 s). */
  minTtlSeconds?: number
}

export interface ImageStore {
  /** `memory`, `fs`, `kv`, `r2`, `redis`: shown on the welcome page and in /v1/status. */
  readonly kind: string
  /** Absent when the backend has no limits worth naming. */
  readonly limits?: StoreLimits
  /** The image, or null when it is unknown or expired. */
  get(key: string): Promise<StoredImage | null>
  put(key: string, bytes: Uint8Array, meta: ImageMeta): Promise<void>
  delete(key: string): Promise<void>
  /** Releases timers and connections (Node shutdown). */
  close?(): Promise<void>
}

/** A store that can say what it holds: the Redis store replays its fallback from this. */
export interface ListableImageStore extends ImageStore {
  /** Every entry not yet expired, oldest first where the driver knows the order. */
  entries(): Promise<{ key: string; expiresAt: number }[]>
}

/** Seconds an entry should live from `now`; KV's floor of 60 s is the driver's business. */
export const ttlSeconds = (meta: ImageMeta, now = Date.now()) =>
  Math.max(1, Math.ceil((meta.expiresAt - now) / 1000))
