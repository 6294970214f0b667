import type { FormPart } from '../http/form-body.ts'

/**
 * multipart/form-data read from a body already in one Buffer, for Node: the platform's
 * `formData()` would stream the bytes again through a Response, copy every file into a Blob
 * (twice) and leave the app to copy it out once more. Here a file part is a view into the body.
 *
 * It reads a form by the same rules as the platform's parser (undici's, after the WHATWG
 * multipart/form-data parser), so a form is accepted or refused exactly as before: no preamble
 * or epilogue, the part headers each `name: value` on one CRLF-ended line (a folded line is
 * refused as a header without a name), Content-Disposition starting `form-data; name="`, a
 * quoted name and `filename` (or `filename*`) with `%0A`, `%0D` and `%22` turned back into the
 * characters browsers escape, a part without a name refused, a repeated name kept as another
 * entry, `Content-Transfer-Encoding: base64` decoded. A Content-Type whose boundary this does
 * not find plainly is left to the platform (`undefined`), which answers as it always has.
 */

const CR = 0x0d
const LF = 0x0a
const COLON = 0x3a
const QUOTE = 0x22
const DASHES = Buffer.from('--')
const DISPOSITION = Buffer.from('form-data; name="')
const FILENAME = Buffer.from('; filename')
/** An HTTP token: what a header's name must be. */
const TOKEN = /^[!#$%&'*+\-.^_|~A-Za-z0-9]+$/
/** A boundary as RFC 2046 allows one (without the space it also allows): anything else is left to the platform. */
const PLAIN_BOUNDARY = /^[\w'()+,\-./:=?]{1,70}$/
const HTTP_WHITESPACE = /[\t\n\r ]/
const utf8 = new TextDecoder()

/**
 * The boundary of a `multipart/form-data` Content-Type, read by the WHATWG MIME type rules (the
 * first valid `boundary` parameter, quoted or not); `undefined` when the type is not plainly
 * that, has no plain boundary, or is a list (a comma): the platform then reads it as before.
 */
export function formBoundary(contentType: string): string | undefined {
  const essence = /^multipart\/form-data[\t ]*;/i.exec(contentType)
  if (!essence || contentType.includes(',')) return undefined
  const text = contentType
  let at = essence[0].length
  while (at < text.length) {
    while (at < text.length && HTTP_WHITESPACE.test(text[at]!)) at++
    let end = at
    while (end < text.length && text[end] !== ';' && text[end] !== '=') end++
    const name = text.slice(at, end).toLowerCase()
    at = end
    if (text[at] === ';') {
      at++
      continue
    }
    if (at >= text.length) break
    at++ // the `=`
    let value: string
    if (text[at] === '"') {
      ;[value, at] = quotedString(text, at)
      while (at < text.length && text[at] !== ';') at++
    } else {
      end = text.indexOf(';', at)
      if (end < 0) end = text.length
      value = text.slice(at, end).replace(/[\t\n\r ]+$/, '')
      at = end
      if (value === '') {
        at++
        continue
      }
    }
    // The first valid `boundary` wins; one this declines leaves the whole type to the platform.
    if (name === 'boundary') return PLAIN_BOUNDARY.test(value) ? value : undefined
    at++
  }
  return undefined
}

/** An HTTP quoted string starting at `at` (a `"`), unescaped, and where it ends. */
function quotedString(text: string, at: number): [string, number] {
  let value = ''
  at++
  while (at < text.length) {
    const char = text[at++]!
    if (char === '"') break
    if (char === '\\') {
      if (at >= text.length) {
        value += '\\'
        break
      }
      value += text[at++]
    } else value += char
  }
  return [value, at]
}

/** The form's parts in order, or null when the body is not a well-formed form. */
export function parseMultipart(input: Buffer, boundary: string): FormPart[] | null {
  const delimiter = Buffer.from(`--${boundary}`)
  const bare = delimiter.subarray(2)
  let at = 0
  while (input[at] === CR && input[at + 1] === LF) at += 2
  let end = input.length
  while (end >= 2 && input[end - 1] === LF && input[end - 2] === CR) end -= 2
  const body = end === input.length ? input : input.subarray(0, end)
  const parts: FormPart[] = []
  for (;;) {
    if (!startsWith(body, delimiter, at)) return null
    at += delimiter.length
    if (at === body.length - 2 && startsWith(body, DASHES, at)) return parts
    if (body[at] !== CR || body[at + 1] !== LF) return null
    const head = readHead(body, at + 2)
    if (!head) return null
    at = head.end + 2
    // The next delimiter is taken to be CRLF, `--` and the boundary: checked just below.
    const next = body.indexOf(bare, at)
    if (next < 0) return null
    let content = body.subarray(at, Math.max(at, next - 4))
    at += content.length
    if (body[at] !== CR || body[at + 1] !== LF) return null
    at += 2
    if (head.base64) content = Buffer.from(content.toString(), 'base64')
    parts.push(
      head.filename === null
        ? { name: head.name, value: decodeText(content) }
        : { name: head.name, file: { filename: head.filename, bytes: plainView(content) } },
    )
  }
}

type PartHead = { name: string; filename: string | null; base64: boolean; end: number }

/** A part's header lines from `at`; `end` is where the blank line that closes them starts. */
function readHead(body: Buffer, at: number): PartHead | null {
  let name: string | null = null
  let filename: string | null = null
  let base64 = false
  for (;;) {
    if (body[at] === CR && body[at + 1] === LF) {
      return name === null ? null : { name, filename, base64, end: at }
    }
    let colon = at
    while (colon < body.length && !isLineEndOr(body[colon]!, COLON)) colon++
    const header = body.toString('latin1', at, colon).replace(/^[\t ]+|[\t ]+$/g, '')
    if (!TOKEN.test(header) || body[colon] !== COLON) return null
    at = colon + 1
    while (body[at] === 0x20 || body[at] === 0x09) at++
    switch (header.toLowerCase()) {
      case 'content-disposition': {
        name = filename = null
        if (!startsWith(body, DISPOSITION, at)) return null
        const quotedName = readQuoted(body, at + DISPOSITION.length)
        if (!quotedName) return null
        ;[name, at] = quotedName
        if (startsWith(body, FILENAME, at)) {
          let check = at + FILENAME.length
          if (body[check] === 0x2a) check++ // `filename*=`, read as the platform reads it
          if (body[check] !== 0x3d || body[check + 1] !== QUOTE) return null
          const quotedFile = readQuoted(body, check + 2)
          if (!quotedFile) return null
          ;[filename, at] = quotedFile
        }
        break
      }
      case 'content-transfer-encoding': {
        const valueEnd = lineEnd(body, at)
        base64 = body.toString('latin1', at, valueEnd).replace(/[\t ]+$/, '') === 'base64'
        at = valueEnd
        break
      }
      default:
        at = lineEnd(body, at)
    }
    // As the platform checks a line's end: refused only when neither byte is where CRLF would be.
    if (body[at] !== CR && body[at + 1] !== LF) return null
    at += 2
  }
}

/** A quoted name whose text starts at `at`, unescaped, and where it ends; null if unclosed. */
function readQuoted(body: Buffer, at: number): [string, number] | null {
  let end = at
  while (end < body.length && !isLineEndOr(body[end]!, QUOTE)) end++
  if (body[end] !== QUOTE) return null
  const text = utf8
    .decode(body.subarray(at, end))
    .replace(/%0A/gi, '\n')
    .replace(/%0D/gi, '\r')
    .replace(/%22/g, '"')
  return [text, end + 1]
}

/** A text part's value: UTF-8 without a leading byte order mark. */
function decodeText(bytes: Buffer): string {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  return utf8.decode(bom ? bytes.subarray(3) : bytes)
}

/** A Uint8Array over the same bytes: a Buffer's `slice` shares memory where Uint8Array's copies. */
const plainView = (bytes: Buffer) =>
  new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)

const isLineEndOr = (byte: number, other: number) => byte === CR || byte === LF || byte === other

function lineEnd(body: Buffer, at: number): number {
  while (at < body.length && body[at] !== CR && body[at] !== LF) at++
  return at
}

function startsWith(body: Buffer, prefix: Buffer, at: number): boolean {
  if (at + prefix.length > body.length) return false
  return body.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
}
