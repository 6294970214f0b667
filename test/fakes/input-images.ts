import { type ImageInfo, sniffImage } from '../../src/image/sniff.ts'

/**
 * How the fake upstreams read an input image field the way their real APIs do: a `data:` URI or
 * bare base64 (as each accepts), or an http(s) link they would fetch themselves. The fakes keep
 * what they received, so tests can compare it byte for byte with what the client sent.
 */

/** A field's image: its bytes and sniffed size, or why it is not one. */
export type ReceivedImage =
  | { ok: true; bytes: Uint8Array | null; info: ImageInfo | null; url?: string }
  | { ok: false; reason: string }

export type Encodings = { base64?: boolean; dataUri?: boolean; url?: boolean }

export function readImageField(value: unknown, accepts: Encodings): ReceivedImage {
  if (typeof value !== 'string' || !value) return { ok: false, reason: 'Input should be a string' }
  if (/^https?:\/\//.test(value)) {
    return accepts.url
      ? { ok: true, bytes: null, info: null, url: value }
      : { ok: false, reason: 'URLs are not accepted here' }
  }
  const dataUri = /^data:(image\/[a-z+]+);base64,(.*)$/s.exec(value)
  if (dataUri && !accepts.dataUri) return { ok: false, reason: 'data URIs are not accepted here' }
  if (!dataUri && !accepts.base64) return { ok: false, reason: 'Input should be a valid URL' }
  const text = dataUri ? dataUri[2]! : value
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return { ok: false, reason: 'Invalid base64 image' }
  const bytes = new Uint8Array(Buffer.from(text, 'base64'))
  const info = sniffImage(bytes)
  if (!info) return { ok: false, reason: 'Could not decode the image' }
  return { ok: true, bytes, info }
}

/** The base64 a fake should have received for `bytes`. */
export const base64Of = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

/** The data URI a fake should have received for a PNG. */
export const pngDataUri = (bytes: Uint8Array) => `data:image/png;base64,${base64Of(bytes)}`
