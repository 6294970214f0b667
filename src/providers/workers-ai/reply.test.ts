import { describe, expect, it } from 'vitest'
import { readEnvelope } from './reply.ts'

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const image = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255)
const base64 = Buffer.from(image).toString('base64')

describe('readEnvelope', () => {
  it('reads result.image from the bytes, wherever the key sits', () => {
    const first = readEnvelope(
      encode({ result: { image: base64 }, success: true, errors: [], messages: [] }),
    )
    expect(first).toEqual({ success: true, errors: [], image })
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
