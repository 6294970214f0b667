import { type AddressInfo, connect } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { vi } from 'vitest'
import type { App } from '../app.ts'
import { withNodeBody } from './node-request.ts'
import { sendResponse } from './node-response.ts'

/**
 * For tests of the Node entry's responses: an app served as the entry serves it, and the raw
 * bytes of an exchange with it, chunk by chunk.
 */

type Server = ReturnType<typeof serve>
let server: Server | undefined

/** Closes the server the last `listen` started (a test file's afterEach). */
export function closeServer(): Promise<void> {
  const open = server
  server = undefined
  return new Promise((done) => (open ? open.close(() => done()) : done()))
}

/** Serves as the Node entry does; a request with `X-Web-Stream: 1` goes to `web` instead. */
export async function listen(direct: Hono | App, web?: Hono | App): Promise<number> {
  server = serve({
    fetch: (request, bindings) => {
      const app = web && request.headers.get('x-web-stream') ? web : direct
      return Promise.resolve(app.fetch(withNodeBody(request, bindings), bindings)).then(
        (response) => sendResponse(response, bindings.outgoing),
      )
    },
    port: 0,
    hostname: '127.0.0.1',
  })
  await new Promise((resolve) => server!.once('listening', resolve))
  return (server!.address() as AddressInfo).port
}

/** The raw bytes of one HTTP/1.1 exchange, read until the server closes. */
export function exchange(port: number, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    const length = Buffer.byteLength(body)
    // Not ended: Node takes a client's half-close for its leaving, and aborts the generation.
    socket.write(
      `${head}\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${length}\r\n\r\n${body}`,
    )
  })
}

/** What differs between two runs of one request: the clock, and ids drawn at random. */
const normalised = (text: string) =>
  text
    .replace(/\r\nDate: [^\r]+/i, '')
    .replace(/(x-request-id: )[^\r]+/i, '$1-')
    .replace(/"(created|created_at)":\d+/g, '"$1":0')
    .replace(/(Time taken: )[\d.]+ s/g, '$1-')
    .replace(/\b(chatcmpl|resp|msg|ig)[-_][0-9A-Za-z_-]+/g, '$1-id')

/**
 * A chunked reply as its head and its chunks, each normalised: two runs are the same reply,
 * written in the same chunks, when these are equal.
 */
export function chunksOf(raw: string): string[] {
  const end = raw.indexOf('\r\n\r\n')
  const chunks = [normalised(raw.slice(0, end))]
  for (let at = end + 4; at < raw.length; ) {
    const line = raw.indexOf('\r\n', at)
    const size = Number.parseInt(raw.slice(at, line), 16)
    chunks.push(normalised(raw.slice(line + 2, line + 2 + size)))
    at = line + 2 + size + 2
  }
  return chunks
}

/** Counts the web streams made from here on whose maker's stack names `maker`. */
export function countStreamsMadeBy(maker: string): { made: number } {
  const count = { made: 0 }
  const Original = ReadableStream
  vi.stubGlobal(
    'ReadableStream',
    class extends Original<Uint8Array> {
      constructor(...args: ConstructorParameters<typeof ReadableStream<Uint8Array>>) {
        super(...args)
        if (new Error().stack?.includes(maker)) count.made++
      }
    },
  )
  return count
}

/**
 * Counts the web streams made from here on for an event stream (by readableEvents, in
 * http/event-stream.ts): the demo provider makes some of its own to compress its PNGs.
 */
export const countEventWebStreams = () => countStreamsMadeBy('readableEvents')
