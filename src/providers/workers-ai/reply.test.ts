import { describe, expect, it } from 'vitest'
import { concatBytes } from '../../bytes/concat.ts'
import { readEnvelope } from './reply.ts'

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const image = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255)
const base64 = Buffer.from(image).toString('base64')

describe('readEnvelope', () => {
  it('reads result.image from the bytes, wherever the key sits', () => {
    const first = readEnvelope(
      encode({ result: { image: base64 }, success: true, errors: [], messages: [] }),
    )
    expect(first).toMatchObject({ success: true, errors: [], image })
    const later = readEnvelope(
      encode({
        messages: [{ type: 'image' }],
        success: true,
        errors: [],
        result: { image: base64 },
      }),
    )
    expect(later?.image).toEqual(image)
    // A string value after the image misleads the backward search; the result must not change.
    const tail = readEnvelope(
      encode({ result: { image: base64 }, success: true, errors: [], messages: [{ note: 'ok' }] }),
    )
    expect(tail?.image).toEqual(image)
  })

  it('keeps the base64 text as it came only when it is the standard spelling', () => {
    const text = (body: Uint8Array) =>
      new TextDecoder().decode(concatBytes(readEnvelope(body)?.base64 ?? []))
    expect(text(encode({ result: { image: base64 }, success: true }))).toBe(base64)
    // The same bytes spelled otherwise: no padding, or stray bits after the last byte.
    const unpadded = readEnvelope(encode({ result: { image: base64.replace(/=+$/, '') } }))
    expect(unpadded?.image).toEqual(image)
    expect(unpadded?.base64).toBeUndefined()
    // 1000 bytes end in one byte: its last character holds 2 bits of it and 4 unused ones.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const strayBits = `${base64.slice(0, -3)}${alphabet[alphabet.indexOf(base64.at(-3)!) | 1]}==`
    const stray = readEnvelope(encode({ result: { image: strayBits } }))
    expect(stray?.image).toEqual(image)
    expect(stray?.base64).toBeUndefined()
  })

  it('falls back to a full parse for escaped base64 and pretty-printed JSON', () => {
    const escaped = JSON.stringify({ result: { image: base64 }, success: true }).replace(
      /\//g,
      '\\/',
    )
    expect(readEnvelope(new TextEncoder().encode(escaped))?.image).toEqual(image)
    const pretty = JSON.stringify({ success: true, result: { image: base64 } }, null, 2)
    expect(readEnvelope(new TextEncoder().encode(pretty))?.image).toEqual(image)
  })

  it('returns the errors of a failed call and null for a body that is not an envelope', () => {
    const failed = readEnvelope(
      encode({
        result: null,
        success: false,
        errors: [{ code: 3036, message: 'quota' }],
        messages: [],
      }),
    )
    expect(failed).toEqual({
      success: false,
      errors: [{ code: 3036, message: 'quota' }],
      image: null,
    })
    expect(readEnvelope(new TextEncoder().encode('{"result":{"image":"/9j/4AAQ'))).toBeNull()
    expect(readEnvelope(new TextEncoder().encode('<html>502 Bad Gateway</html>'))).toBeNull()
    expect(readEnvelope(encode({ result: { image: 'not base64!' }, success: true }))).toBeNull()
  })

  it('does not take an "image" key outside result for the image', () => {
    const body = encode({ messages: [{ image: 'AAAA' }], success: true, result: { image: base64 } })
    expect(readEnvelope(body)?.image).toEqual(image)
  })
})
