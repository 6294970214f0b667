import { describe, expect, it } from 'vitest'
import { firstDifference } from '../../../test/contracts/storage.ts'
import { sniffImage } from '../../image/sniff.ts'
import type { ImageRequest } from '../types.ts'
import { demoProvider } from './index.ts'

const provider = demoProvider.create(
  { type: 'demo', keys: [], priority: 0, weight: 1, options: {} },
  { name: 'demo', bindings: {} },
)
const context = {
  model: provider.models[0]!,
  key: null,
  signal: new AbortController().signal,
  fetch,
}
const draw = async (request: Partial<ImageRequest>) =>
  (
    await provider.generate(
      { prompt: 'a red fox', n: 1, width: 256, height: 128, ...request },
      context,
    )
  ).images

describe('demo provider', () => {
  it('draws a PNG of the requested size', async () => {
    const [image] = await draw({ seed: 1 })
    expect(sniffImage(image!.bytes)).toEqual({ contentType: 'image/png', width: 256, height: 128 })
  })

  it('draws identical bytes for the same prompt, seed and size', async () => {
    const [a] = await draw({ seed: 7 })
    const [b] = await draw({ seed: 7 })
    expect(firstDifference(a!.bytes, b!.bytes)).toBe(-1)
  })

  it('draws a different picture for another seed or prompt', async () => {
    const [base] = await draw({ seed: 7 })
    const [otherSeed] = await draw({ seed: 8 })
    const [otherPrompt] = await draw({ seed: 7, prompt: 'a blue fox' })
    expect(firstDifference(base!.bytes, otherSeed!.bytes)).not.toBe(-1)
    expect(firstDifference(base!.bytes, otherPrompt!.bytes)).not.toBe(-1)
  })

  it('returns n distinct images and the seed it used', async () => {
    const result = await provider.generate(
      { prompt: 'x', n: 3, width: 64, height: 64, seed: 100 },
      context,
    )
    expect(result.seed).toBe(100)
    expect(result.images).toHaveLength(3)
    expect(firstDifference(result.images[0]!.bytes, result.images[1]!.bytes)).not.toBe(-1)
  })

  it('stops when its signal is aborted during a configured delay', async () => {
    const slow = demoProvider.create(
      { type: 'demo', keys: [], priority: 0, weight: 1, options: { delayMs: 10_000 } },
      { name: 'demo', bindings: {} },
    )
    const controller = new AbortController()
    const started = Date.now()
    const run = slow.generate(
      { prompt: 'x', n: 1, width: 64, height: 64 },
      { ...context, signal: controller.signal },
    )
    setTimeout(() => controller.abort(new Error('client went away')), 50)
    await expect(run).rejects.toThrow('client went away')
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
