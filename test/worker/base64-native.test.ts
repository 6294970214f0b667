import { describe, expect, it } from 'vitest'
import * as portable from '../../src/bytes/base64.ts'
import * as native from '../../src/bytes/base64-native.ts'

/**
 * The Worker bundle builds base64-native.ts in place of base64.ts. Inside workerd both must give
 * the same answers, base64.ts through its native branches; `btoa` is the independent reference.
 */

const ascii = (text: string) => new TextEncoder().encode(text)
const reference = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const samples = [0, 1, 2, 3, 4, 5, 6, 255, 256, 257, 3000].map((length) =>
  Uint8Array.from({ length }, (_, i) => (i * 7919 + length) % 256),
)

describe('base64-native in workerd', () => {
  it('encodes like btoa and like base64.ts, in both alphabets', () => {
    for (const bytes of samples) {
      expect(native.encodeBase64(bytes)).toBe(reference(bytes))
      expect(native.encodeBase64(bytes)).toBe(portable.encodeBase64(bytes))
      expect(native.encodeBase64Url(bytes)).toBe(portable.encodeBase64Url(bytes))
    }
    expect(native.encodeBase64Url(Uint8Array.of(0xfb, 0xff, 0xbf, 0x00))).toBe('-_-_AA')
  })

  it('encodes into bytes at an offset like base64.ts, in the length both give', () => {
    for (const bytes of samples) {
      const length = native.base64Length(bytes.length)
      expect(length).toBe(portable.base64Length(bytes.length))
      const out = new Uint8Array(length + 3)
      expect(native.encodeBase64Into(bytes, out, 3)).toBe(length + 3)
      expect(new TextDecoder().decode(out.subarray(3))).toBe(reference(bytes))
    }
  })

  it('decodes what it encodes, padded or not, and a slice in place', () => {
    for (const bytes of samples) {
      const text = reference(bytes)
      expect(native.decodeBase64(text)).toEqual(bytes)
      expect(native.decodeBase64Bytes(ascii(text.replace(/=+$/, '')))).toEqual(bytes)
    }
    const json = ascii('{"image":"AAEC/w=="}')
    expect(native.decodeBase64Bytes(json, 10, 18)).toEqual(Uint8Array.of(0, 1, 2, 255))
  })

  it('refuses what base64.ts refuses, the same way', () => {
    for (const text of ['AA\\/w==', 'AA"C', 'AAECB', 'AA=C']) {
      expect(native.decodeBase64Bytes(ascii(text)), text).toBeNull()
      expect(portable.decodeBase64Bytes(ascii(text)), text).toBeNull()
    }
    expect(() => native.decodeBase64('not base64!')).toThrow()
    expect(() => portable.decodeBase64('not base64!')).toThrow()
    const broken = 'aGVs\r\nbG8='
    expect(native.decodeBase64(broken)).toEqual(portable.decodeBase64(broken))
  })
})
