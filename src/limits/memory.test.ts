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

  it('never tracks more than maxKeys, dropping the oldest windows first', async () => {
    const limiter = memoryRateLimiter({
      limit: 1,
      windowSeconds: 60,
      maxKeys: 100,
      now: clock().now,
    })
    await limiter.limit('first')
    for (let i = 0; i < 1000; i++) await limiter.limit(`key-${i}`)
    expect(limiter.size).toBe(100)
    // 'first' was dropped, so it gets a fresh window; the newest key is still counted.
    expect((await limiter.limit('first')).success).toBe(true)
    expect((await limiter.limit('key-999')).success).toBe(false)
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
