import type { RateLimiter } from './types.ts'

/** Options for {@link memoryRateLimiter}. */
export type MemoryRateLimiterOptions = {
  /** Requests allowed per window for one key. */
  limit: number
  windowSeconds: number
  /** Most keys tracked at once; the oldest windows are forgotten beyond it. Default 10 000. */
  maxKeys?: number
  now?: () => number
}

type Window = { count: number; resetAt: number }

/**
 * A fixed-window limiter in process memory: a key's window opens on its first request and
 * admits `limit` requests until it closes. Best effort by design: on Workers each isolate keeps
 * its own counts, so a client spread over isolates or locations gets more; on Node it is exact
 * for one process. Memory is bounded: expired windows are dropped whenever a new one
 * opens, and past `maxKeys` the oldest are dropped too (which can only ever let a request
 * through). Each call costs O(1) amortized.
 */
export function memoryRateLimiter(
  options: MemoryRateLimiterOptions,
): RateLimiter & { readonly size: number } {
  const { limit } = options
  const windowMs = options.windowSeconds * 1000
  const maxKeys = options.maxKeys ?? 10_000
  const now = options.now ?? Date.now
  // Every window has the same length and a reopened window is deleted and re-added, so the map
  // is ordered by closing time: expired windows are always at the front.
  const windows = new Map<string, Window>()

  function evict(time: number): void {
    for (const [key, window] of windows) {
      if (window.resetAt > time && windows.size <= maxKeys) break
      windows.delete(key)
    }
  }

  return {
    /** Keys currently tracked. */
    get size() {
      return windows.size
    },
    async limit(key) {
      const time = now()
      let window = windows.get(key)
      if (!window || window.resetAt <= time) {
        windows.delete(key)
        window = { count: 0, resetAt: time + windowMs }
        windows.set(key, window)
        evict(time)
      }
      if (window.count >= limit) {
        return {
          success: false,
          retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - time) / 1000)),
        }
      }
      window.count++
      return { success: true }
    },
  }
}
