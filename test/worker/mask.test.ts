import { describe, expect, it } from 'vitest'
import { decodePng, fillMask } from '../../src/image/mask.ts'
import { encodePng } from '../../src/image/png.ts'

/**
 * FLUX.1 Fill's mask made inside workerd: the PNG reading and writing lean on the Web-standard
 * DecompressionStream and CompressionStream, whose behaviour there must match Node's.
 */

describe('fillMask in workerd', () => {
  it('turns a transparent corner into a white one on black', async () => {
    const rgba = new Uint8Array(64 * 48 * 4).fill(255)
    rgba[3] = 0
    const mask = await fillMask(await encodePng(64, 48, rgba, 4))
    const decoded = mask && (await decodePng(mask))
    expect(decoded).toMatchObject({ width: 64, height: 48, channels: 1 })
    expect([decoded!.samples[0], decoded!.samples[1], decoded!.samples.at(-1)]).toEqual([255, 0, 0])
  })

  it('gives null for a PNG cut short, without hanging on the stream', async () => {
    const noisy = await encodePng(
      40,
      40,
      Uint8Array.from({ length: 4800 }, (_, i) => i * i),
    )
    expect(await fillMask(noisy.subarray(0, noisy.length / 2))).toBeNull()
  })
})
