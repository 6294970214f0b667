/**
 * multipart/form-data as plain bytes, both ways: written around the file's bytes in one concat
 * (the floor's upstream calls, the edit door's request) and read by cutting the body at its
 * boundaries (the floor's edit door). Enough for well-formed forms from known senders: no
 * header folding, no nested parts, no charset other than UTF-8.
 */

export type FilePart = { name: string; filename: string; type: string; bytes: Uint8Array }

/** The body and its content-type, the text fields first, then the files. */
export function writeForm(
  fields: Record<string, string | number>,
  files: FilePart[] = [],
): { body: Buffer<ArrayBuffer>; contentType: string } {
  const boundary = `----floor${Math.random().toString(36).slice(2)}`
  const parts: Uint8Array[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    )
  }
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\ncontent-type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    )
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** The parts of a form by name: each a view into `body` (no copy), or null when it is no form. */
export function readForm(contentType: string, body: Buffer): Map<string, Buffer> | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!boundary) return null
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  const parts = new Map<string, Buffer>()
  // The first delimiter has no CRLF before it; starting two bytes early lets one search find all.
  let at = body.indexOf(delimiter.subarray(2))
  if (at !== 0) return null
  at -= 2
  for (;;) {
    const headStart = at + delimiter.length
    if (body[headStart] === 0x2d && body[headStart + 1] === 0x2d) return parts // `--`: the end
    const headEnd = body.indexOf('\r\n\r\n', headStart)
    if (headEnd < 0) return null
    const head = body.toString('latin1', headStart, headEnd)
    const next = body.indexOf(delimiter, headEnd + 4)
    if (next < 0) return null
    const name = /name="([^"]*)"/i.exec(head)?.[1]
    if (name !== undefined) parts.set(name, body.subarray(headEnd + 4, next))
    at = next
  }
}
