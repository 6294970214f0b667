import { describe, expect, it, vi } from 'vitest'
import { randomBytes, randomHex128 } from './random.ts'

describe('randomBytes', () => {
  it('hands out pieces of the length asked for, never the same bytes twice across refills', () => {
    // 16 bytes at a time, well past one 4 KB pool: a piece handed out twice would repeat.
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const bytes = randomBytes(16)
      expect(bytes).toHaveLength(16)
      seen.add(Buffer.from(bytes).toString('hex'))
    }
    expect(seen.size).toBe(1000)
  })

  it('draws from the platform once per 4 KB pool, not once per piece', () => {
    const draw = vi.spyOn(crypto, 'getRandomValues')
    try {
      for (let i = 0; i < 512; i++) randomBytes(16) // 8 KB: two or three pools at most
      expect(draw.mock.calls.length).toBeLessThanOrEqual(3)
      for (const [array] of draw.mock.calls) expect((array as Uint8Array).length).toBe(4096)
    } finally {
      draw.mockRestore()
    }
  })

  it('gives each caller a copy: changing it changes no later piece', () => {
    const first = randomBytes(32)
    first.fill(7)
    const later = Array.from({ length: 100 }, () => randomBytes(32))
    for (const bytes of later) expect(bytes.every((byte) => byte === 7)).toBe(false)
  })

  it('draws a large request by itself, whole', () => {
    const bytes = randomBytes(10_000)
    expect(bytes).toHaveLength(10_000)
    // 10,000 random bytes take nearly all 256 values; a zeroed buffer would take one.
    expect(new Set(bytes).size).toBeGreaterThan(200)
  })
})

describe('randomHex128', () => {
  it('is 32 lowercase hex digits, different each time', () => {
    const ids = Array.from({ length: 200 }, randomHex128)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(new Set(ids).size).toBe(200)
  })
})
