import { describe, expect, it } from 'vitest'
import { isExactRatio, keepsInputShape, nearestAspectRatio } from './aspect-ratio.ts'
import type { InputImage } from './types.ts'

describe('nearestAspectRatio', () => {
  it.each([
    [1024, 1024, '1:1'],
    [1024, 576, '16:9'],
    [576, 1024, '9:16'],
    [768, 512, '3:2'],
    [512, 1024, '9:16'], // 1:2 sits between 9:16 and 9:21, closer to 9:16 on a log scale
    [2100, 900, '21:9'],
    [1000, 800, '5:4'],
    [1000, 700, '3:2'],
    [10, 1, '21:9'],
  ])('%ix%i -> %s', (width, height, ratio) => {
    expect(nearestAspectRatio(width, height)).toBe(ratio)
  })

  it('picks from a host list when given one', () => {
    expect(nearestAspectRatio(1000, 800, ['1:1', '4:3', '16:9'])).toBe('4:3')
  })

  it('tells an exact ratio from an approximate one', () => {
    expect(isExactRatio('16:9', 1024, 576)).toBe(true)
    expect(isExactRatio('3:2', 1000, 700)).toBe(false)
  })
})

describe('keepsInputShape', () => {
  const image = { width: 400, height: 300 } as InputImage
  it('is true for an edit at its first image shape, false for another shape or no image', () => {
    expect(keepsInputShape({ prompt: 'p', n: 1, width: 1184, height: 888, images: [image] })).toBe(
      true,
    )
    expect(keepsInputShape({ prompt: 'p', n: 1, images: [image] })).toBe(true)
    expect(keepsInputShape({ prompt: 'p', n: 1, width: 1024, height: 576, images: [image] })).toBe(
      false,
    )
    expect(keepsInputShape({ prompt: 'p', n: 1, width: 1184, height: 888 })).toBe(false)
  })
})
