import { IncomingMessage, ServerResponse } from 'node:http'
import { type FormPartsReader, READ_FORM_PARTS } from '../http/form-body.ts'
import { formBoundary, parseMultipart } from './node-form.ts'
import { IncomingHeaders } from './node-headers.ts'

/**
 * The request the app sees on Node, made cheaper where @hono/node-server is costly. Its light
 * request turns into a full undici Request (an AbortController, two web streams, the headers
 * copied) the first time the body or `signal` is read, which every generating request does:
 * about 0.25 ms of CPU per request. Here the signal is an AbortController of its own, a body
 * with a declared length is read straight from the socket into one buffer, the headers are read
 * from Node's parse (node-headers.ts), and a multipart form in the body is read from that buffer
 * (node-form.ts, the app's READ_FORM_PARTS); everything else (a chunked body, `formData()`,
 * `body`) is left to the adapter as before.
 */

/** The adapter's second argument to `fetch` (Hono's `c.env`): HTTP/1's messages, or HTTP/2's. */
export type NodeBindings = { incoming: unknown; outgoing: unknown }

/** Aborts when the client goes before its response has been sent, as the adapter's does. */
function closeSignal(incoming: IncomingMessage, outgoing: ServerResponse): AbortSignal {
  const controller = new AbortController()
  const closed = () => {
    if (outgoing.writableFinished) return
    controller.abort(incoming.errored ?? new Error('Client connection prematurely closed.'))
  }
  if (outgoing.destroyed) closed()
  else outgoing.once('close', closed)
  return controller.signal
}

function readAll(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let ended = false
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.once('end', () => {
      ended = true
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    incoming.once('error', reject)
    incoming.once('close', () => {
      if (!ended) reject(new Error('the client closed the connection mid-body'))
    })
  })
}

/** `request` with its signal, and its body when it has a declared length, read from `incoming`. */
export function withNodeBody(request: Request, { incoming, outgoing }: NodeBindings): Request {
  const http1 = incoming instanceof IncomingMessage && outgoing instanceof ServerResponse
  if (!http1 || !Object.isExtensible(request)) return request
  let signal: AbortSignal | undefined
  let lazyHeaders: IncomingHeaders | undefined
  Object.defineProperties(request, {
    signal: { get: () => (signal ??= closeSignal(incoming, outgoing)) },
    // Read from Node's parse rather than copied into an undici Headers first (node-headers.ts).
    headers: { get: () => (lazyHeaders ??= new IncomingHeaders(incoming.rawHeaders)) },
  })
  const { method, headers } = incoming
  const declared = headers['content-length'] !== undefined && !headers['transfer-encoding']
  if (method === 'GET' || method === 'HEAD' || !declared) return request
  let body: Promise<Buffer> | undefined
  const bytes = () => (body ??= readAll(incoming))
  const text = async () => (await bytes()).toString('utf8')
  const readFormParts: FormPartsReader = async (contentType) => {
    const boundary = formBoundary(contentType)
    if (boundary === undefined) return undefined
    return parseMultipart(await bytes(), boundary)
  }
  Object.defineProperties(request, {
    [READ_FORM_PARTS]: { value: readFormParts },
    text: { value: text },
    json: { value: async () => JSON.parse(await text()) },
    arrayBuffer: {
      // A copy: the buffer may be a slice of a larger one the socket filled.
      value: async () => new Uint8Array(await bytes()).buffer,
    },
  })
  return request
}
