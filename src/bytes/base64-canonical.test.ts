import { describe, expect, it } from 'vitest'
import { isCanonicalBase64 } from './base64-canonical.ts'

const text = (value: string) => new TextEncoder().encode(value)
const bytes = (...values: number[]) => Uint8Array.from(values)

describe('isCanonicalBase64', () => {
  it('accepts the standard padded spelling, at any length remainder', () => {
    expect(isCanonicalBase64(text('QQ=='), bytes(0x41))).toBe(true)
    expect(isCanonicalBase64(text('QUI='), bytes(0x41, 0x42))).toBe(true)
    expect(isCanonicalBase64(text('QUJD'), bytes(0x41, 0x42, 0x43))).toBe(true)
    expect(isCanonicalBase64(text('QUJDRA=='), bytes(0x41, 0x42, 0x43, 0x44))).toBe(true)
  })

  it('refuses other spellings a lenient decoder turns into the same bytes', () => {
    const abcd = bytes(0x41, 0x42, 0x43, 0x44)
    expect(isCanonicalBase64(text('QUJDRA'), abcd)).toBe(false) // padding left out
    expect(isCanonicalBase64(text('QUJDRB=='), abcd)).toBe(false) // stray bits after the last byte
    expect(isCanonicalBase64(text('QUJD\nRA=='), abcd)).toBe(false) // a line break
    expect(isCanonicalBase64(text('QUJDRA==\n'), abcd)).toBe(false) // a trailing newline
    expect(isCanonicalBase64(text('QUJDRQ=='), abcd)).toBe(false) // other bytes
  })

  it('judges only the range it is given, as cut out of a larger reply', () => {
    const reply = text('{"image":"QUJDRA=="}')
    const start = reply.indexOf(0x51)
    const end = start + 8
    expect(isCanonicalBase64(reply, bytes(0x41, 0x42, 0x43, 0x44), start, end)).toBe(true)
    expect(isCanonicalBase64(reply, bytes(0x41, 0x42, 0x43, 0x44), start, end + 1)).toBe(false)
  })
})
