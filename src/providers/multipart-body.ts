/**
 * A multipart/form-data body written as one byte array, for an upstream call that sends files.
 * A FormData handed to fetch costs on Node a Blob copy of every file and then web streams that
 * read the Blobs back out in chunks; here the body is one allocation and one copy of each file.
 * It is written as fetch writes a FormData (WHATWG's multipart/form-data encoding): in a name
 * or filename a line feed, carriage return or `"` becomes `%0A`, `%0D` or `%22`, and a text
 * value's line breaks become CRLF.
 */

export type MultipartFile = { bytes: Uint8Array; filename: string; type: string }
export type MultipartEntry = [name: string, value: string | MultipartFile]

const encoder = new TextEncoder()

const escapeQuoted = (text: string) =>
  text.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22')
const crlfLines = (text: string) => text.replace(/\r?\n|\r/g, '\r\n')

/** A fresh boundary: a random UUID, which no file is likely to hold by chance. */
const newBoundary = () => `----fluxgate-${crypto.randomUUID()}`

/** The body and the Content-Type that names its boundary. */
export function multipartBody(entries: MultipartEntry[]): {
  body: Uint8Array<ArrayBuffer>
  contentType: string
} {
  const boundary = newBoundary()
  const pieces: Uint8Array[] = []
  for (const [name, value] of entries) {
    const disposition = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(crlfLines(name))}"`
    if (typeof value === 'string') {
      pieces.push(encoder.encode(`${disposition}\r\n\r\n${crlfLines(value)}\r\n`))
    } else {
      const filename = value.filename ? `; filename="${escapeQuoted(value.filename)}"` : ''
      const type = value.type || 'application/octet-stream'
      pieces.push(encoder.encode(`${disposition}${filename}\r\nContent-Type: ${type}\r\n\r\n`))
      pieces.push(value.bytes, CRLF)
    }
  }
  pieces.push(encoder.encode(`--${boundary}--\r\n`))
  let length = 0
  for (const piece of pieces) length += piece.byteLength
  const body = new Uint8Array(length)
  let at = 0
  for (const piece of pieces) {
    body.set(piece, at)
    at += piece.byteLength
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` }
}

const CRLF = new Uint8Array([0x0d, 0x0a])
