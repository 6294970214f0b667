import { describe, expect, it } from 'vitest'
import { concatBytes } from '../../bytes/concat.ts'
import { type Envelope, readEnvelope } from './reply.ts'
import { readEnvelopeParts } from './reply-parts.ts'
import { readEnvelopeParts as readOnWorker } from './reply-parts-worker.ts'

const utf8 = (text: string) => new TextEncoder().encode(text)
const image = Uint8Array.from({ length: 61 }, (_, i) => (i * 37 + 11) & 255)
const base64 = Buffer.from(image).toString('base64')
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** What a reader's answer says, the base64 parts joined into the text they make. */
const meaning = (envelope: Envelope | null) =>
  envelope && {
    ...envelope,
    base64: envelope.base64 && new TextDecoder().decode(concatBytes(envelope.base64)),
  }

/** `body` cut at each offset in `cuts`. */
const cutAt = (body: Uint8Array, cuts: number[]) =>
  [0, ...cuts].map((from, i) => body.subarray(from, cuts[i] ?? body.length))

/** Every cut in two, and cuts in three around the field: each must read as the joined body. */
function expectSameAsJoined(text: string) {
  const body = utf8(text)
  const joined = meaning(readEnvelope(body))
  for (let cut = 0; cut <= body.length; cut++) {
    expect(meaning(readEnvelopeParts(cutAt(body, [cut])))).toEqual(joined)
    // The Worker's reader (its fetch gives one part, but any number reads the same).
    expect(meaning(readOnWorker(cutAt(body, [cut])))).toEqual(joined)
  }
  for (let first = 0; first <= body.length; first += 3) {
    for (let second = first; second <= body.length; second += 5) {
      expect(meaning(readEnvelopeParts(cutAt(body, [first, second])))).toEqual(joined)
    }
  }
  return joined
}

describe('readEnvelopeParts', () => {
  it('reads a reply cut anywhere as the joined reply reads, its base64 kept as views', () => {
    const text = JSON.stringify({ result: { image: base64 }, success: true, errors: [] })
    expect(expectSameAsJoined(text)).toMatchObject({ success: true, image, base64 })
    // The base64 comes back as views of the parts, not a copy.
    const body = utf8(text)
    const parts = cutAt(body, [30, 60])
    const read = readEnvelopeParts(parts)
    expect(read?.base64?.map((part) => part.buffer)).toEqual([
      body.buffer,
      body.buffer,
      body.buffer,
    ])
  })

  it('gives the same answer for other spellings, escapes and keys elsewhere', () => {
    const unpadded = base64.replace(/=+$/, '')
    const stray = `${base64.slice(0, -3)}${alphabet[alphabet.indexOf(base64.at(-3)!) | 1]}==`
    const bodies = [
      JSON.stringify({ result: { image: unpadded }, success: true }),
      JSON.stringify({ result: { image: stray }, success: true }),
      JSON.stringify({ result: { image: base64 }, success: true }).replace(/\//g, '\\/'),
      JSON.stringify({ success: true, result: { image: base64 } }, null, 2),
      JSON.stringify({ messages: [{ type: 'image' }], result: { image: base64 } }),
      JSON.stringify({ result: { image: base64 }, messages: [{ note: 'ok' }], success: true }),
      JSON.stringify({ other: { image: 'AAAA' }, result: { image: base64 } }),
      JSON.stringify({ result: { image: base64, extra: '"image":"' } }),
    ]
    for (const body of bodies) expect(expectSameAsJoined(body)?.image).toEqual(image)
  })

  it('refuses what the joined reader refuses: bad base64, cut replies, other bodies', () => {
    const whole = JSON.stringify({ result: { image: base64 }, success: true })
    const bodies = [
      whole.replace(base64.slice(10, 14), 'AA"A'),
      whole.replace(base64.slice(10, 14), 'AA A'),
      '<html>502 Bad Gateway</html>',
      '',
      // Truncated anywhere, the field's close included.
      ...Array.from({ length: whole.length }, (_, length) => whole.slice(0, length)),
    ]
    for (const body of bodies) expect(expectSameAsJoined(body)?.image ?? null).toBeNull()
  })

  it('reads a failed call the same way, and takes no parts as an empty body', () => {
    const failed = JSON.stringify({
      result: null,
      success: false,
      errors: [{ code: 3036, message: 'quota' }],
    })
    expect(expectSameAsJoined(failed)).toMatchObject({ success: false, image: null })
    expect(readEnvelopeParts([])).toBeNull()
  })
})
