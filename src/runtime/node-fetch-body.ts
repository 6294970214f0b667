import type { IncomingMessage } from 'node:http'
import { pipeline, type Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'

/**
 * The Response side of runtime/node-fetch.ts. The body stays a Node stream until it is asked
 * for: `arrayBuffer()`, `bytes()`, `text()` and `json()` read the socket straight into one
 * buffer, while `body` (and `clone()`, which tees it) builds a web ReadableStream on first use.
 *
 * Why: undici's body methods read through a web stream, then copy the bytes twice (a concat,
 * then `new Uint8Array(bytes).buffer`). For a 400 KB Workers AI reply that is two short-lived
 * 400 KB buffers and the promise plumbing of a stream read, on every image.
 */

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
/** Chunks queued in the web stream before the socket is paused, in bytes. */
const HIGH_WATER_MARK = 64 * 1024
const utf8 = new TextDecoder()

type ResponseOptions = {
  url: URL
  redirected: boolean
  method: string
  signal: AbortSignal | undefined
}

/** The Response for a response head, its body still unread on the socket. */
export function toResponse(incoming: IncomingMessage, options: ResponseOptions): Response {
  const status = incoming.statusCode ?? 0
  const headers = new Headers()
  const raw = incoming.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!)
    } catch {
      // A header value fetch's Headers refuses (a stray control character): dropped, not fatal.
    }
  }
  const init = { status, statusText: incoming.statusMessage, headers }
  let response: Response
  try {
    response = new Response(null, init)
  } catch (error) {
    incoming.destroy() // a status fetch cannot represent (600 and up)
    throw new TypeError('fetch failed', { cause: error })
  }
  describe(response, options)
  if (NULL_BODY_STATUSES.has(status) || options.method === 'HEAD') incoming.resume()
  else attach(response, new LazyBody(incoming, headers.get('content-encoding'), options.signal))
  return response
}

function describe(response: Response, options: ResponseOptions) {
  Object.defineProperty(response, 'url', { value: options.url.href })
  if (options.redirected) Object.defineProperty(response, 'redirected', { value: true })
}

/** Puts the lazy body behind the Response's body members (own properties shadow the class's). */
function attach(response: Response, body: LazyBody) {
  const bytes = async () => {
    const view = await body.bytes()
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  }
  Object.defineProperties(response, {
    body: { get: () => body.stream() },
    bodyUsed: { get: () => body.used },
    bytes: { value: bytes },
    arrayBuffer: {
      async value() {
        const view = await body.bytes()
        // A large body owns its whole buffer (Buffer.concat allocates it unpooled): no copy.
        const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength
        return whole ? view.buffer : new Uint8Array(view).buffer // (a Buffer's slice() is a view)
      },
    },
    text: { value: async () => utf8.decode(await body.bytes()) },
    json: { value: async () => JSON.parse(utf8.decode(await body.bytes())) },
    blob: {
      value: async () =>
        new Blob([await bytes()], { type: response.headers.get('content-type') ?? '' }),
    },
    formData: {
      value: async () => new Response(await bytes(), { headers: response.headers }).formData(),
    },
    clone: {
      value: () => {
        if (body.used) throw new TypeError('Response.clone: Body has already been consumed.')
        const [mine, theirs] = body.stream().tee()
        body.replace(mine)
        const { status, statusText, headers } = response
        const copy = new Response(theirs, { status, statusText, headers })
        Object.defineProperty(copy, 'url', { value: response.url })
        if (response.redirected) Object.defineProperty(copy, 'redirected', { value: true })
        return copy
      },
    },
  })
}

const unusable = () => new TypeError('Body is unusable: Body has already been read')

/** A response body read either whole, straight from the socket, or as a web stream. */
class LazyBody {
  readonly #incoming: IncomingMessage
  readonly #source: Readable
  readonly #signal: AbortSignal | undefined
  #stream: ReadableStream<Uint8Array> | null = null
  #consumed = false

  constructor(incoming: IncomingMessage, encoding: string | null, signal: AbortSignal | undefined) {
    this.#incoming = incoming
    this.#signal = signal
    const decoding = decoders(encoding)
    this.#source = decoding?.length
      ? (pipeline([incoming, ...decoding], () => {}) as unknown as Readable)
      : incoming
  }

  /** Read by a body method, or its stream handed out and locked (close to fetch's "disturbed"). */
  get used(): boolean {
    return this.#consumed || (this.#stream?.locked ?? false)
  }

  stream(): ReadableStream<Uint8Array> {
    this.#stream ??= webStream(this.#source, this.#incoming, this.#signal)
    return this.#stream
  }

  /** After a clone: this side reads its branch of the tee. */
  replace(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.used) throw unusable()
    this.#consumed = true
    if (this.#stream) return readAll(this.#stream)
    return collect(this.#source, this.#incoming, this.#signal)
  }
}

/** Decoders for a Content-Encoding list, outermost last; null when one is unknown. */
function decoders(contentEncoding: string | null) {
  if (!contentEncoding) return []
  const streams = []
  for (const coding of contentEncoding.toLowerCase().split(',').reverse()) {
    const name = coding.trim()
    if (name === 'gzip' || name === 'x-gzip') streams.push(createGunzip())
    else if (name === 'deflate') streams.push(createInflate())
    else if (name === 'br') streams.push(createBrotliDecompress())
    else if (name !== 'identity' && name !== '') return null // unknown: handed over as sent
  }
  return streams
}

/** How a read ends when the body does not: the signal's reason, or `TypeError('terminated')`. */
function failure(signal: AbortSignal | undefined, cause: unknown) {
  return signal?.aborted ? signal.reason : new TypeError('terminated', { cause })
}

const cutShort = () => new Error('the connection closed before the body ended')

/**
 * Calls `onChunk` for each chunk of `source`, then `onEnd` once: with nothing when the body
 * ended, or the error when it was reset, cut short or aborted. Returns `release`, for a reader
 * that gives up early: no `onEnd` then, and the signal is let go.
 */
function drain(
  source: Readable,
  incoming: IncomingMessage,
  signal: AbortSignal | undefined,
  onChunk: (chunk: Buffer) => void,
  onEnd: (error?: unknown) => void,
) {
  let finished = false
  const abort = () => incoming.destroy(signal?.reason)
  const release = () => {
    finished = true
    signal?.removeEventListener('abort', abort)
  }
  const end = (error?: unknown) => {
    if (finished) return
    release()
    onEnd(error)
  }
  if (signal?.aborted) abort()
  else signal?.addEventListener('abort', abort, { once: true })
  // A chunk already queued when the reader cancelled must not reach the closed stream.
  source.on('data', (chunk: Buffer) => {
    if (!finished) onChunk(chunk)
  })
  source.once('end', () => end())
  source.once('error', (error) => end(failure(signal, error)))
  // A body cut short without an error event (the socket closed mid-body).
  source.once('close', () => end(failure(signal, cutShort())))
  return release
}

/** The whole body in one buffer: the chunks are kept as they arrive and joined once. */
function collect(
  source: Readable,
  incoming: IncomingMessage,
  signal: AbortSignal | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onChunk = (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
    }
    drain(source, incoming, signal, onChunk, (error) => {
      if (error === undefined) resolve(Buffer.concat(chunks, size))
      else reject(error)
    })
  })
}

/** The body as a web stream; the socket pauses while the reader lags. */
function webStream(
  source: Readable,
  incoming: IncomingMessage,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  let release = () => {}
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const onChunk = (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          if ((controller.desiredSize ?? 0) <= 0) source.pause()
        }
        release = drain(source, incoming, signal, onChunk, (error) => {
          if (error === undefined) controller.close()
          else controller.error(error)
        })
      },
      pull() {
        source.resume()
      },
      cancel() {
        release()
        incoming.destroy()
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  )
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = []
  const reader = stream.getReader()
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(next.value)
  }
  return Buffer.concat(chunks)
}
