import { describe, expect, it } from 'vitest'
import { decodeBase64Bytes, decodeBase64Parts } from './base64.ts'

const ascii = (text: string) => new TextEncoder().encode(text)
const bytesOf = (length: number, salt = 0) =>
  Uint8Array.from({ length }, (_, i) => (i * 131 + salt * 7 + (i >> 3)) & 255)

/** `text` cut at each offset in `cuts` (ascending, repeats make empty parts). */
const cutAt = (text: Uint8Array, cuts: number[]) => {
  const parts: Uint8Array[] = []
  let from = 0
  for (const cut of cuts) {
    parts.push(text.subarray(from, cut))
    from = cut
  }
  parts.push(text.subarray(from))
  return parts
}

/** Every spelling tried: the joined decoder's answer is the one the parts must give. */
function expectSameAtEveryCut(text: Uint8Array) {
  const joined = decodeBase64Bytes(text)
  for (let cut = 0; cut <= text.length; cut++) {
    expect(decodeBase64Parts(cutAt(text, [cut]))).toEqual(joined)
  }
  return joined
}

describe('decodeBase64Parts', () => {
  it('decodes text cut at every offset as the joined text decodes, padded or not', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = bytesOf(length, length)
      const text = Buffer.from(bytes).toString('base64')
      expect(expectSameAtEveryCut(ascii(text))).toEqual(bytes)
      expect(expectSameAtEveryCut(ascii(text.replace(/=+$/, '')))).toEqual(bytes)
    }
  })

  it('decodes text cut twice anywhere, empty parts included', () => {
    for (const length of [1, 2, 3, 13, 14, 15, 16, 24]) {
      const bytes = bytesOf(length)
      const text = ascii(Buffer.from(bytes).toString('base64'))
      for (let first = 0; first <= text.length; first++) {
        for (let second = first; second <= text.length; second++) {
          expect(decodeBase64Parts(cutAt(text, [first, second]))).toEqual(bytes)
        }
      }
    }
  })

  it('decodes a large text in many parts of every size mod 4, as a socket cuts a reply', () => {
    const bytes = bytesOf(30_000, 5)
    const text = ascii(Buffer.from(bytes).toString('base64'))
    for (const sizes of [[1], [2], [3], [5], [4093, 1, 2, 8192], [16383, 3], [65536]]) {
      const cuts: number[] = []
      for (let at = 0, k = 0; at < text.length; k++) {
        at += sizes[k % sizes.length]!
        if (at < text.length) cuts.push(at)
      }
      expect(decodeBase64Parts(cutAt(text, cuts))).toEqual(bytes)
    }
  })

  it('refuses what the joined decoder refuses, wherever the text is cut', () => {
    const long = Buffer.from(bytesOf(40)).toString('base64') // 56 characters, no padding
    const refused = [
      'AA\\/w==', // an escape
      'AAEC\n/w==', // whitespace
      'AA"C',
      'AAECB', // a length no base64 has
      'AA=C', // padding inside
      'AAEC===',
      `${long.slice(0, 20)}\\/${long.slice(22)}`,
      `${long.slice(0, 37)}"${long.slice(38)}`,
      `${long.slice(0, 54)}=A`,
      `${long}A`,
    ]
    for (const text of refused) {
      expect(decodeBase64Bytes(ascii(text))).toBeNull()
      expect(expectSameAtEveryCut(ascii(text))).toBeNull()
    }
  })

  it('takes one part as the joined decoder does, and no parts as empty text', () => {
    expect(decodeBase64Parts([ascii('AAEC/w==')])).toEqual(Uint8Array.from([0, 1, 2, 255]))
    expect(decodeBase64Parts([])).toEqual(new Uint8Array(0))
    expect(
      decodeBase64Parts([ascii('AA'), ascii(''), ascii('EC'), ascii('/w='), ascii('=')]),
    ).toEqual(Uint8Array.from([0, 1, 2, 255]))
  })
})
