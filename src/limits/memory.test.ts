import { describe, expect, it } from 'vitest'
import { bindingRateLimiter } from './binding.ts'
import { memoryRateLimiter } from './memory.ts'

function clock(start = 1_000_000) {
  let time = start
  return { now: () => time, advance: (ms: number) => (time += ms) }
}

describe('memoryRateLimiter', () => {
  it('admits `limit` requests per window, then refuses with the seconds left', async () => {
    const { now, advance } = clock()
    const limiter = memoryRateLimiter({ limit: 5, windowSeconds: 120, now })
    for (let i = 0; i < 5; i++) expect(await limiter.limit('1.2.3.4')).toEqual({ success: true })
    advance(80_000)
    expect(await limiter.limit('1.2.3.4')).toEqual({ success: false, retryAfterSeconds: 40 })
    advance(39_999)
    expect((await limiter.limit('1.2.3.4')).success).toBe(false)
    advance(1)
    expect(await limiter.limit('1.2.3.4')).toEqual({ success: true })
  })

  it('counts each key on its own', async () => {
    const limiter = memoryRateLimiter({ limit: 1, windowSeconds: 60, now: clock().now })
    expect((await limiter.limit('a')).success).toBe(true)
    expect((await limiter.limit('a')).success).toBe(false)
    expect((await limiter.limit('b')).success).toBe(true)
  })

  it('forgets expired windows, so memory follows the active keys only', async () => {
    const { now, advance } = clock()
    const limiter = memoryRateLimiter({ limit: 1, windowSeconds: 10, now })
    for (let i = 0; i < 500; i++) await limiter.limit(`10.0.${i >> 8}.${i & 255}`)
    expect(limiter.size).toBe(500)
    advance(10_001)
    await limiter.limit('192.0.2.1')
    expect(limiter.size).toBe(1)
  })

  it('keeps limiting a client through a flood of 100k other addresses', async () => {
    const { now, advance } = clock()
    const limiter = memoryRateLimiter({ limit: 1, windowSeconds: 60, now })
    expect((await limiter.limit('203.0.113.7')).success).toBe(true)
    expect((await limiter.limit('203.0.113.7')).success).toBe(false)
    for (let i = 0; i < 100_000; i++)
      await limiter.limit(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
    // Memory stays bounded (10 000 windows by default, plus the shared overflow bucket) ...
    expect(limiter.size).toBeLessThanOrEqual(10_000)
    // ... and the limited client was not forgotten to make room.
    expect(await limiter.limit('203.0.113.7')).toEqual({ success: false, retryAfterSeconds: 60 })
    advance(60_000)
    expect((await limiter.limit('203.0.113.7')).success).toBe(true)
    expect(limiter.size).toBe(1)
  })

  it('when full of live windows, counts new keys in one shared bucket', async () => {
    const { now, advance } = clock()
    const limiter = memoryRateLimiter({ limit: 2, windowSeconds: 60, maxKeys: 3, now })
    for (const key of ['a', 'b', 'c']) expect((await limiter.limit(key)).success).toBe(true)
    // Newcomers share one window of `limit` requests until room frees up.
    expect((await limiter.limit('d')).success).toBe(true)
    expect((await limiter.limit('e')).success).toBe(true)
    expect((await limiter.limit('f')).success).toBe(false)
    expect(limiter.size).toBe(3)
    // Known keys keep their own windows meanwhile.
    expect((await limiter.limit('a')).success).toBe(true)
    expect((await limiter.limit('a')).success).toBe(false)
    advance(60_000)
    expect((await limiter.limit('f')).success).toBe(true)
    expect((await limiter.limit('f')).success).toBe(true)
    expect((await limiter.limit('f')).success).toBe(false)
  })
})

describe('bindingRateLimiter', () => {
  it('asks the Workers binding per key and answers Retry-After with its period', async () => {
    const seen: string[] = []
    const binding = {
      async limit({ key }: { key: string }) {
        seen.push(key)
        return { success: seen.length < 2 }
      },
    }
    const limiter = bindingRateLimiter(binding, { periodSeconds: 10 })
    expect(await limiter.limit('1.2.3.4')).toEqual({ success: true })
    expect(await limiter.limit('1.2.3.4')).toEqual({ success: false, retryAfterSeconds: 10 })
    expect(seen).toEqual(['1.2.3.4', '1.2.3.4'])
  })
})
