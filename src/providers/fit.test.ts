import { describe, expect, it } from 'vitest'
import type { ImageParams } from '../request/fields.ts'
import { cutPrompt, fitRequest } from './fit.ts'
import { fluxCapabilities, negativePromptCapabilities } from './flux-capabilities.ts'
import type { ModelCapabilities } from './types.ts'

const flux2 = negativePromptCapabilities(
  { min: 256, max: 1920, multiple: 16 },
  { min: 1, max: 50, default: 4 },
)
/** Like Workers AI flux-1-schnell: no size, at most 8 steps, no negative prompt. */
const schnell: ModelCapabilities = {
  ...fluxCapabilities(null, { min: 1, max: 8, default: 4 }),
  seed: false,
  maxPromptLength: 100,
}
const ask = (extra: Partial<ImageParams> = {}): ImageParams => ({
  prompt: 'a cat',
  n: 1,
  ...extra,
})

describe('fitRequest', () => {
  it('passes a request that already fits through unchanged, without warnings', () => {
    const fitted = fitRequest(ask({ width: 1024, height: 768, steps: 8, seed: 3 }), flux2)
    expect(fitted.request).toEqual({
      prompt: 'a cat',
      n: 1,
      width: 1024,
      height: 768,
      steps: 8,
      seed: 3,
    })
    expect(fitted.size).toEqual({ width: 1024, height: 768 })
    expect(fitted.warnings).toEqual([])
  })

  it('uses the model’s default size when none is asked for', () => {
    expect(fitRequest(ask(), flux2).size).toEqual({ width: 1024, height: 1024 })
  })

  it('keeps the aspect ratio when shrinking to the maximum side', () => {
    const { size, warnings } = fitRequest(ask({ width: 3840, height: 2160 }), flux2)
    expect(size!.width).toBe(1920)
    expect(size!.width / size!.height).toBeCloseTo(16 / 9, 1)
    expect(warnings).toEqual([`size 3840x2160 fitted to ${size!.width}x${size!.height}`])
  })

  it('keeps the aspect ratio when growing to the minimum side', () => {
    const { size } = fitRequest(ask({ width: 100, height: 200 }), flux2)
    expect(size).toEqual({ width: 256, height: 512 })
  })

  it('rounds each side to the model’s multiple', () => {
    const { size } = fitRequest(ask({ width: 1000, height: 750 }), flux2)
    expect(size!.width % 16).toBe(0)
    expect(size!.height % 16).toBe(0)
    expect(size).toEqual({ width: 1008, height: 752 }) // 62.5 and 46.875 multiples, rounded
  })

  it('shrinks a size over maxPixels by area, keeping the ratio and the multiple', () => {
    const limited = { ...flux2, size: { min: 64, max: 2048, multiple: 8, maxPixels: 1024 * 1024 } }
    const { size } = fitRequest(ask({ width: 2048, height: 1024 }), limited)
    expect(size!.width * size!.height).toBeLessThanOrEqual(1024 * 1024)
    expect(size!.width * size!.height).toBeGreaterThan(0.95 * 1024 * 1024)
    expect(size!.width / size!.height).toBeCloseTo(2, 1)
    expect((size!.width % 8) + (size!.height % 8)).toBe(0)
  })

  it('picks the allowed size closest in aspect ratio, then in area, from a fixed set', () => {
    const square = { width: 1024, height: 1024 }
    const fixed: ModelCapabilities = {
      ...flux2,
      size: { min: 256, max: 1792, multiple: 8 },
      sizes: [square, { width: 1792, height: 1024 }, { width: 1024, height: 1792 }],
      defaultSize: square,
    }
    const fitTo = (width: number, height: number) => fitRequest(ask({ width, height }), fixed)
    expect(fitTo(1920, 1080).size).toEqual({ width: 1792, height: 1024 })
    expect(fitTo(768, 1344).size).toEqual({ width: 1024, height: 1792 })
    expect(fitTo(1200, 1000).size).toEqual(square)
    expect(fitTo(1920, 1080).warnings).toEqual(['size 1920x1080 fitted to 1792x1024'])
    expect(fitRequest(ask(), fixed).size).toEqual(square)
    const squares = {
      ...fixed,
      sizes: [256, 512, 1024].map((side) => ({ width: side, height: side })),
    }
    expect(fitRequest(ask({ width: 600, height: 600 }), squares).request).toMatchObject({
      width: 512,
      height: 512,
    })
  })

  it('clamps steps into the model’s range and says so', () => {
    expect(fitRequest(ask({ steps: 30 }), schnell)).toMatchObject({
      request: { steps: 8 },
      warnings: ['steps 30 clamped to 8'],
    })
    expect(fitRequest(ask({ steps: 0 }), schnell).request.steps).toBe(1)
    expect(fitRequest(ask(), schnell).request.steps).toBe(4)
  })

  it('sets steps from quality when none are asked for, within the range and without warnings', () => {
    const dev = fluxCapabilities(null, { min: 1, max: 50, default: 28 })
    const steps = (extra: Partial<ImageParams>, model = dev) =>
      fitRequest(ask(extra), model).request.steps
    expect(steps({ quality: 'low' })).toBe(14)
    expect(steps({ quality: 'medium' })).toBe(28)
    expect(steps({ quality: 'auto' })).toBe(28)
    expect(steps({ quality: 'standard' })).toBe(28)
    expect(steps({ quality: 'high' })).toBe(42)
    expect(steps({ quality: 'hd' })).toBe(42)
    // Explicit steps win; schnell's 4 becomes 6, its 2 stays within its 1-8.
    expect(steps({ quality: 'high', steps: 10 })).toBe(10)
    expect(steps({ quality: 'high' }, schnell)).toBe(6)
    expect(steps({ quality: 'low' }, schnell)).toBe(2)
    expect(fitRequest(ask({ quality: 'hd' }), schnell).warnings).toEqual([])
    const fixed = fitRequest(ask({ quality: 'high' }), fluxCapabilities(null, null))
    expect(fixed.request.steps).toBeUndefined()
    expect(fixed.warnings).toEqual([])
  })

  it('passes the output format asked for on to the provider', () => {
    expect(fitRequest(ask({ outputFormat: 'webp' }), flux2).request.outputFormat).toBe('webp')
    expect(fitRequest(ask(), flux2).request).not.toHaveProperty('outputFormat')
  })

  it('drops what the model cannot take, with a warning for each', () => {
    const fitted = fitRequest(
      ask({ width: 512, height: 512, seed: 9, negativePrompt: 'text' }),
      schnell,
    )
    expect(fitted.request).not.toHaveProperty('width')
    expect(fitted.request).not.toHaveProperty('negativePrompt')
    expect(fitted.request.seed).toBeUndefined()
    expect(fitted.size).toBeNull()
    expect(fitted.warnings).toEqual([
      'this model does not take a size; it chose its own',
      'this model does not take a seed',
      'this model does not take a negative prompt',
    ])
  })

  it('asks one call for no more images than the model returns per call', () => {
    expect(fitRequest(ask({ n: 4 }), flux2).request.n).toBe(1)
  })

  it('cuts a long prompt and warns', () => {
    const prompt = 'word '.repeat(40).trim() // 199 characters
    const fitted = fitRequest(ask({ prompt }), schnell)
    expect(fitted.request.prompt.length).toBeLessThanOrEqual(100)
    expect(fitted.warnings).toContain('prompt cut to 100 characters')
  })
})

describe('cutPrompt', () => {
  it('leaves a prompt within the limit alone', () => {
    expect(cutPrompt('a small cat', 11)).toBe('a small cat')
  })

  it('cuts at the last word boundary near the limit', () => {
    expect(cutPrompt('one two three four five six', 22)).toBe('one two three four')
    expect(cutPrompt('a very fluffy orange cat sleeping', 20)).toBe('a very fluffy orange')
  })

  it('cuts mid-word when the last space is far back (one long word)', () => {
    expect(cutPrompt(`hi ${'x'.repeat(50)}`, 20)).toBe(`hi ${'x'.repeat(17)}`)
  })

  it('counts characters, not UTF-16 units, and never splits an emoji', () => {
    const cut = cutPrompt('🐱'.repeat(10), 4)
    expect(cut).toBe('🐱'.repeat(4))
  })
})
