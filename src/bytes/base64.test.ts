import { describe, expect, it } from 'vitest'
import {
  base64Length,
  decodeBase64,
  decodeBase64Bytes,
  encodeBase64,
  encodeBase64Into,
  encodeBase64Url,
} from './base64.ts'
import { isCanonicalBase64 } from './base64-canonical.ts'

const ascii = (text: string) => new TextEncoder().encode(text)
const reference = (text: string) => new Uint8Array(Buffer.from(text, 'base64'))

describe('decodeBase64Bytes', () => {
  it('decodes every length remainder, padded and unpadded, like Node does', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length) & 255)
      const text = Buffer.from(bytes).toString('base64')
      expect(decodeBase64Bytes(ascii(text))).toEqual(bytes)
      expect(decodeBase64Bytes(ascii(text.replace(/=+$/, '')))).toEqual(bytes)
    }
  })

  it('decodes a slice in place, without the quotes around it', () => {
    const json = ascii('{"image":"AAEC/w=="}')
    expect(decodeBase64Bytes(json, 10, 18)).toEqual(Uint8Array.from([0, 1, 2, 255]))
  })

  it('refuses escapes, whitespace, stray characters and impossible lengths', () => {
    expect(decodeBase64Bytes(ascii('AA\\/w=='))).toBeNull()
    expect(decodeBase64Bytes(ascii('AAEC\n/w=='))).toBeNull()
    expect(decodeBase64Bytes(ascii('AA"C'))).toBeNull()
    expect(decodeBase64Bytes(ascii('AAECB'))).toBeNull()
    expect(decodeBase64Bytes(ascii('AA=C'))).toBeNull()
    // Inside the 16-character blocks too, wherever the stray character sits.
    const long = Buffer.from(new Uint8Array(300).fill(7)).toString('base64')
    for (const at of [0, 5, 17, 255, 399]) {
      expect(decodeBase64Bytes(ascii(`${long.slice(0, at)}"${long.slice(at + 1)}`))).toBeNull()
    }
  })
})

describe('decodeBase64', () => {
  it('decodes text with line breaks and rejects what is not base64', () => {
    const text = Buffer.from('hello, world of images').toString('base64')
    expect(decodeBase64(`${text.slice(0, 8)}\r\n${text.slice(8)}`)).toEqual(reference(text))
    expect(() => decodeBase64('not base64!')).toThrow()
  })

  it('decodes a 300 KB image to the same bytes as Node', () => {
    const bytes = new Uint8Array(300 * 1024)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24
    const text = ascii(Buffer.from(bytes).toString('base64'))
    // Buffer.equals: a deep toEqual over 300 KB is slow and says no more.
    expect(Buffer.from(decodeBase64Bytes(text)!).equals(bytes)).toBe(true)
  })
})

describe('encodeBase64', () => {
  it('matches Node for every length remainder and round-trips through decodeBase64', () => {
    const bytes = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 7919) % 256)
    for (const length of [0, 1, 2, 3, 4, 5, 6, 69_999, 70_000, 70_001]) {
      const slice = bytes.subarray(0, length)
      const text = encodeBase64(slice)
      expect(text).toBe(Buffer.from(slice).toString('base64'))
      expect(decodeBase64(text)).toEqual(slice)
    }
  })

  it('gives URL-safe unpadded text for keys', () => {
    const bytes = Uint8Array.of(0xfb, 0xff, 0xbf, 0x00)
    expect(encodeBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
    expect(encodeBase64Url(bytes)).not.toMatch(/[+/=]/)
  })

  it('spells short inputs (keys, spelled by hand) and long ones as Node does, at every length', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 256)
    for (let length = 0; length <= 300; length++) {
      const slice = bytes.subarray(length % 5, (length % 5) + length)
      expect(encodeBase64Url(slice)).toBe(Buffer.from(slice).toString('base64url'))
    }
    const edges = Uint8Array.of(0xff, 0xff, 0xff, 0xfb, 0xef, 0xbe, 0x00, 0x00, 0x00)
    expect(encodeBase64Url(edges)).toBe(Buffer.from(edges).toString('base64url'))
  })
})

describe('encodeBase64Into', () => {
  it('writes what Node writes at any offset, touching nothing around it', () => {
    const bytes = Uint8Array.from({ length: 3001 }, (_, i) => (i * 7919) % 256)
    for (const length of [0, 1, 2, 3, 4, 3000, 3001]) {
      const slice = bytes.subarray(0, length)
      for (const at of [0, 1, 2, 3, 5]) {
        const out = new Uint8Array(at + base64Length(length) + 3).fill(0x2a)
        expect(encodeBase64Into(slice, out, at)).toBe(at + base64Length(length))
        const written = new TextDecoder().decode(out.subarray(at, at + base64Length(length)))
        expect(written).toBe(Buffer.from(slice).toString('base64'))
        expect([...out.subarray(0, at), ...out.subarray(at + base64Length(length))]).toEqual(
          Array(at + 3).fill(0x2a),
        )
      }
    }
  })
})

describe('isCanonicalBase64', () => {
  it('accepts the standard spelling only, and compares a slice in place', () => {
    for (const length of [0, 1, 2, 3, 301]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) % 256)
      const text = Buffer.from(bytes).toString('base64')
      expect(isCanonicalBase64(ascii(text), bytes)).toBe(true)
      expect(isCanonicalBase64(ascii(`"${text}"`), bytes, 1, text.length + 1)).toBe(true)
      if (length % 3) expect(isCanonicalBase64(ascii(text.replace(/=+$/, '')), bytes)).toBe(false)
    }
    // 0xff alone is "/w=="; "/x==" decodes to the same byte with stray bits set.
    expect(decodeBase64Bytes(ascii('/x=='))).toEqual(Uint8Array.of(0xff))
    expect(isCanonicalBase64(ascii('/x=='), Uint8Array.of(0xff))).toBe(false)
    expect(isCanonicalBase64(ascii('/w=='), Uint8Array.of(0xfe))).toBe(false)
  })
})
