import type { ServerResponse } from 'node:http'

/** The floor's replies: small JSON, and base64 text written around rather than stringified. */

export const link = (key: string) => `http://127.0.0.1/image/${key}`

export const seconds = () => Math.floor(Date.now() / 1000)

export function sendJson(response: ServerResponse, body: unknown): void {
  const json = JSON.stringify(body)
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  })
  response.end(json)
}

/**
 * `head`, then the upstream's base64 as it came, then `tail`: base64 needs no JSON escaping, so
 * the megabytes are written as they are, never copied into a string.
 */
export function sendAround(
  response: ServerResponse,
  contentType: string,
  head: string,
  base64: Buffer,
  tail: string,
): void {
  response.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(head) + base64.length + Buffer.byteLength(tail),
  })
  response.write(head)
  response.write(base64)
  response.end(tail)
}
