import { describe, expect, it } from 'vitest'
import { testMeta } from '../../test/contracts/storage.ts'
import { decodeMeta, encodeMeta } from './meta.ts'

const bytes = (text: string) => new TextEncoder().encode(text).length
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

describe('encodeMeta', () => {
  it('leaves small metadata whole', () => {
    const meta = testMeta(1_000)
    expect(JSON.parse(encodeMeta(meta))).toEqual(meta)
  })

  it.each([
    ['ASCII', 'a cat '.repeat(900)],
    ['two-byte UTF-8', 'é'.repeat(5000)],
    ['three-byte CJK', '猫'.repeat(5000)],
    ['emoji (surrogate pairs)', '🐱'.repeat(2500)],
  ])('fits a 5,000-character %s prompt in KV’s 1024 bytes', (_, prompt) => {
    const meta = testMeta(1_000, 60_000, { prompt, finalPrompt: prompt })
    const json = encodeMeta(meta)
    expect(bytes(json)).toBeLessThanOrEqual(1024)
    const decoded = JSON.parse(json)
    expect(prompt.startsWith(decoded.prompt)).toBe(true)
    expect(decoded.prompt.length).toBeGreaterThan(50) // cut, not emptied
    expect(LONE_SURROGATE.test(decoded.prompt)).toBe(false)
    expect({ ...decoded, prompt: '', finalPrompt: '' }).toEqual({
      ...meta,
      prompt: '',
      finalPrompt: '',
    })
  })
})

describe('decodeMeta', () => {
  it('reads metadata from a JSON string or an object', () => {
    const meta = testMeta(5)
    expect(decodeMeta(JSON.stringify(meta))).toEqual(meta)
    expect(decodeMeta(meta)).toEqual(meta)
  })

  it.each([
    ['null', null],
    ['broken JSON', '{"contentType":'],
    ['a number', 42],
    ['no expiry', { contentType: 'image/png' }],
    ['no type', { expiresAt: 5 }],
  ])('returns null for %s', (_, value) => {
    expect(decodeMeta(value)).toBeNull()
  })
})
