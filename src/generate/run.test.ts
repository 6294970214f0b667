import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_SEED } from '../request/fields.ts'
import { offsetSeed, randomSeed } from './run.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('seeds of parallel calls', () => {
  it('keeps the largest seed as it is and wraps past it to 0', () => {
    expect(offsetSeed(MAX_SEED, 0)).toBe(MAX_SEED)
    expect(offsetSeed(MAX_SEED, 1)).toBe(0)
    expect(offsetSeed(MAX_SEED - 1, 3)).toBe(1)
  })

  it('offsets other seeds by the index', () => {
    expect(offsetSeed(0, 0)).toBe(0)
    expect(offsetSeed(42, 3)).toBe(45)
  })
})

describe('randomSeed', () => {
  it('draws from 0 to MAX_SEED inclusive', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect(randomSeed()).toBe(0)
    vi.spyOn(Math, 'random').mockReturnValue(1 - Number.EPSILON)
    expect(randomSeed()).toBe(MAX_SEED)
  })
})
