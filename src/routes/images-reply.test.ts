import { describe, expect, it } from 'vitest'
import { concatBytes } from '../bytes/concat.ts'
import type { GenerationResult } from '../generate/index.ts'
import { imagesReplyParts } from './images-reply.ts'

const imagesReplyBody = (...args: Parameters<typeof imagesReplyParts>) =>
  concatBytes(imagesReplyParts(...args))

const bytes = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 7919 + seed) % 256)

function result(images: GenerationResult['images'], warnings: string[] = []): GenerationResult {
  return {
    images,
    model: 'demo',
    upstreamModel: 'demo',
    provider: 'demo',
    seed: 1,
    // A prompt that spells the empty field itself, quotes and all, and is not ASCII.
    prompt: 'a "b64_json":"" sign in 東京',
    finalPrompt: 'a "b64_json":"" sign in 東京, at night',
    promptModel: null,
    promptNote: undefined,
    warnings,
    attempts: 1,
    elapsedMs: 5,
    expiresAt: 1_800_000_000_000,
  }
}

const image = (data: Uint8Array, extra: Partial<GenerationResult['images'][0]> = {}) => ({
  contentType: 'image/png',
  width: 2,
  height: 1,
  bytes: data,
  key: null,
  ...extra,
})

const options = { format: 'b64_json' as const, quality: undefined, origin: 'http://x', now: 0 }
const parse = (body: Uint8Array) => JSON.parse(new TextDecoder().decode(body))

describe('imagesReplyBody', () => {
  it('puts each image in its b64_json, whatever the prompt and warnings spell', () => {
    const images = [image(bytes(301, 1)), image(bytes(302, 2)), image(bytes(0, 3))]
    const reply = parse(imagesReplyBody(result(images, ['"b64_json":""']), options))
    expect(reply.data.map((item: { b64_json: string }) => item.b64_json)).toEqual(
      images.map((each) => Buffer.from(each.bytes).toString('base64')),
    )
    expect(reply.data[0].revised_prompt).toBe('a "b64_json":"" sign in 東京, at night')
    expect(reply.warnings).toEqual(['"b64_json":""'])
  })

  it("sends the upstream's own base64 text as it is", () => {
    // Not the text of these bytes: only a copy of what the upstream sent could put it there.
    const upstreamText = new TextEncoder().encode('QUJD')
    const reply = parse(
      imagesReplyBody(result([image(bytes(3, 0), { base64: [upstreamText] })]), options),
    )
    expect(reply.data[0].b64_json).toBe('QUJD')
  })

  it("makes the upstream's text a part as it is (no copy), and an image without it one part", () => {
    const upstreamText = new TextEncoder().encode('QUJD')
    const images = [image(bytes(3, 0), { base64: [upstreamText] }), image(bytes(4, 1))]
    const parts = imagesReplyParts(result(images), options)
    expect(parts).toContain(upstreamText)
    const encoded = Buffer.from(images[1]!.bytes).toString('base64')
    expect(parts.map((part) => new TextDecoder().decode(part))).toContain(encoded)
    // Text, base64, text, base64, text: nothing else is cut.
    expect(parts).toHaveLength(5)
  })

  it("sends an upstream's text that came in several parts as those parts, in order", () => {
    const [first, second] = [new TextEncoder().encode('QU'), new TextEncoder().encode('JD')]
    const parts = imagesReplyParts(
      result([image(bytes(3, 0), { base64: [first, second] })]),
      options,
    )
    expect(parts[1]).toBe(first)
    expect(parts[2]).toBe(second)
    expect(parts).toHaveLength(4)
    expect(JSON.parse(new TextDecoder().decode(concatBytes(parts))).data[0].b64_json).toBe('QUJD')
  })

  it('gives links without base64 for url, and both when no format was asked', () => {
    const stored = [image(bytes(30, 1), { key: 'k'.repeat(22) })]
    const url = parse(imagesReplyBody(result(stored), { ...options, format: 'url' }))
    expect(url.data).toEqual([
      { url: `http://x/image/${'k'.repeat(22)}`, revised_prompt: expect.any(String) },
    ])
    const both = parse(imagesReplyBody(result(stored), { ...options, format: 'both' }))
    expect(both.data[0].b64_json).toBe(Buffer.from(stored[0]!.bytes).toString('base64'))
    expect(both.data[0].url).toBe(url.data[0].url)
  })
})
