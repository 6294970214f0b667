import type { RateLimiter } from './types.ts'

/** Options for {@link memoryRateLimiter}. */
export type MemoryRateLimiterOptions = {
  /** Requests allowed per window for one key. */
  limit: number
  windowSeconds: number
  /** Most keys with a window of their own; newcomers beyond it share one. Default 10 000. */
  maxKeys?: number
  now?: () => number
}

type Window = { count: number; resetAt: number }

/**
 * A fixed-window limiter in process memory: a key's window opens on its first request and
 * admits `limit` requests until it closes. Best effort by design: on Workers each isolate keeps
 * its own counts, so a client spread over isolates or locations gets more; on Node it is exact
 * for one process. Each call costs O(1) amortized.
 *
 * Memory is bounded without forgiving anyone: a live window is never dropped to make room, since
 * a flood of made-up addresses would otherwise wipe the count of the client being limited. Once
 * `maxKeys` live windows exist, new keys all count in one shared overflow window until expired
 * ones free room: under such a flood newcomers are limited together, which fails closed.
 */
export function memoryRateLimiter(
  options: MemoryRateLimiterOptions,
): RateLimiter & { readonly size: number } {
  const { limit } = options
  const windowMs = options.windowSeconds * 1000
  const maxKeys = options.maxKeys ?? 10_000
  const now = options.now ?? Date.now
  // Every window has the same length and is only ever appended, so the map is ordered by
  // closing time: expired windows are always at the front.
  const windows = new Map<string, Window>()
  let overflow: Window = { count: 0, resetAt: 0 }

  function dropExpired(time: number): void {
    for (const [key, window] of windows) {
      if (window.resetAt > time) break
      windows.delete(key)
    }
  }

  function windowFor(key: string, time: number): Window {
    const known = windows.get(key)
    if (known) return known
    const opened = { count: 0, resetAt: time + windowMs }
    if (windows.size < maxKeys) {
      windows.set(key, opened)
      return opened
    }
    if (overflow.resetAt <= time) overflow = opened
    return overflow
  }

  return {
    /** Keys with a window of their own. */
    get size() {
      return windows.size
    },
    async limit(key) {
      const time = now()
      dropExpired(time)
      const window = windowFor(key, time)
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
