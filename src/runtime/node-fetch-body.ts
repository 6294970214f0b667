import type { IncomingMessage } from 'node:http'
import { pipeline, Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { BODY_PARTS } from '../bytes/body-parts.ts'

/**
 * The Response side of runtime/node-fetch.ts: a real Response whose body comes from the socket,
 * decoded when the server compressed it anyway. A caller that takes the whole body at once
 * (`arrayBuffer()`, `text()`, `json()`: every provider reading a reply) gets it straight from
 * the socket's chunks in one buffer, or as the chunks themselves (BODY_PARTS, bytes/body-parts.ts,
 * for a reader that decodes across them); `body` builds a web stream for a caller that reads as
 * it comes or cancels. The stream, and undici's Response reading it, cost about 0.2 ms of CPU per
 * 400 KB reply, a tenth of a chat request.
 */

/** The platform's Response, taken before @hono/node-server puts its light one in its place. */
const PlatformResponse = globalThis.Response

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
/** Bytes queued in the body stream before the socket is paused. */
const HIGH_WATER_MARK = 64 * 1024

type ResponseOptions = {
  url: URL
  redirected: boolean
  method: string
  signal: AbortSignal | undefined
}

/** The Response for a response head; its body streams from the socket. */
export function toResponse(incoming: IncomingMessage, options: ResponseOptions): Response {
  const status = incoming.statusCode ?? 0
  const raw = incoming.rawHeaders
  // Headers handed to a Response are sorted and copied into its own: an uncompressed reply's
  // (nearly every one) go straight into the Response's, which the body does not wait for.
  const compressed = raw.some((name, i) => i % 2 === 0 && name.toLowerCase() === 'content-encoding')
  const headers = compressed ? appendHeaders(new Headers(), raw) : undefined
  const init = { status, statusText: incoming.statusMessage, headers }
  const empty = NULL_BODY_STATUSES.has(status) || options.method === 'HEAD'
  let response: Response
  try {
    response = empty
      ? new PlatformResponse(null, init)
      : new SocketResponse(
          decoded(incoming, headers?.get('content-encoding') ?? null),
          options,
          init,
        )
  } catch (error) {
    incoming.destroy() // a status fetch cannot represent (600 and up)
    throw new TypeError('fetch failed', { cause: error })
  }
  if (!headers) appendHeaders(response.headers, raw)
  if (empty) incoming.resume()
  Object.defineProperty(response, 'url', { value: options.url.href })
  if (options.redirected) Object.defineProperty(response, 'redirected', { value: true })
  return response
}

/** Adds the raw name/value pairs to `headers`, as they came. */
function appendHeaders(headers: Headers, raw: string[]): Headers {
  for (let i = 0; i < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!)
    } catch {
      // A header value fetch's Headers refuses (a stray control character): dropped, not fatal.
    }
  }
  return headers
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

/** The body as the server meant it: through its Content-Encoding's decoders, if any. */
function decoded(incoming: IncomingMessage, contentEncoding: string | null): Body {
  const decoding = decoders(contentEncoding)
  const source: Readable = decoding?.length
    ? (pipeline([incoming, ...decoding], () => {}) as unknown as Readable)
    : incoming
  return { incoming, source }
}

type Body = { incoming: IncomingMessage; source: Readable }

/** A failure of the body, as undici reports it: the signal's reason, or `terminated`. */
const failure = (signal: AbortSignal | undefined, cause?: Error) =>
  signal?.aborted ? signal.reason : new TypeError('terminated', { cause })

class SocketResponse extends PlatformResponse {
  readonly #body: Body
  readonly #signal: AbortSignal | undefined
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | undefined
  #taken = false

  constructor(body: Body, options: ResponseOptions, init: ResponseInit) {
    super(null, init)
    this.#body = body
    this.#signal = options.signal
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (!this.#stream) this.#stream = bodyStream(this.#body, this.#signal)
    return this.#stream
  }

  override get bodyUsed(): boolean {
    return (
      this.#taken || (this.#stream !== undefined && Readable.isDisturbed(this.#stream as never))
    )
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#all()
    // A buffer of its own, exactly the body: a small one may share the pool's.
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
      return bytes.buffer as ArrayBuffer
    }
    return bytes.slice().buffer
  }

  override async text(): Promise<string> {
    return new TextDecoder().decode(await this.#all())
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }

  override async blob(): Promise<Blob> {
    return new Blob([await this.#all()], { type: this.headers.get('content-type') ?? '' })
  }

  override async formData(): Promise<FormData> {
    return new PlatformResponse(await this.#all(), { headers: this.headers }).formData()
  }

  override clone(): Response {
    if (this.bodyUsed || this.#stream?.locked)
      throw new TypeError('Response.clone: Body has already been consumed.')
    const [mine, theirs] = this.body.tee()
    this.#stream = mine
    const copy = new PlatformResponse(theirs, this)
    Object.defineProperty(copy, 'url', { value: this.url })
    return copy
  }

  /**
   * The whole body as the socket's chunks (body-parts.ts), not joined: read as `arrayBuffer()`
   * reads it, with its failures.
   */
  [BODY_PARTS](): Promise<Uint8Array[]> {
    if (this.bodyUsed || this.#stream) {
      return this.#all().then((bytes) => [bytes])
    }
    this.#taken = true
    return collect(this.#body, this.#signal)
  }

  /** The whole body: from the stream if one was made, else straight from the socket. */
  #all(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.bodyUsed || this.#stream?.locked) {
      return Promise.reject(new TypeError('Body is unusable: Body has already been read'))
    }
    this.#taken = true
    if (this.#stream) {
      return new PlatformResponse(this.#stream).arrayBuffer().then((b) => new Uint8Array(b))
    }
    return collect(this.#body, this.#signal).then(join)
  }
}

/** The chunks as one array: the only chunk itself, else joined. */
function join(chunks: Buffer[]): Uint8Array<ArrayBuffer> {
  const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
  return new Uint8Array(whole.buffer as ArrayBuffer, whole.byteOffset, whole.byteLength)
}

/** Every chunk of the body, once it has ended; fails as the stream would. */
function collect({ incoming, source }: Body, signal: AbortSignal | undefined): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let settled = false
    const abort = () => incoming.destroy(signal?.reason)
    const settle = () => {
      settled = true
      signal?.removeEventListener('abort', abort)
    }
    const fail = (error?: Error) => {
      if (settled) return
      settle()
      reject(failure(signal, error))
    }
    if (signal?.aborted) {
      abort()
      return fail()
    }
    signal?.addEventListener('abort', abort, { once: true })
    source.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
    })
    source.once('end', () => {
      if (settled) return
      settle()
      resolve(chunks)
    })
    source.once('error', fail)
    // A body cut short without an error event (the socket closed mid-body).
    source.once('close', () => fail(new Error('the connection closed before the body ended')))
  })
}

/**
 * The body as a web stream: chunks are passed on as they arrive, the socket pauses while the
 * reader lags, and a reset, a truncated body or an abort errors the stream (with
 * `TypeError('terminated')` or the signal's reason, as undici does).
 */
function bodyStream(
  { incoming, source }: Body,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let finished = false
  const abort = () => incoming.destroy(signal?.reason)
  const finish = () => {
    finished = true
    signal?.removeEventListener('abort', abort)
  }
  return new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      start(controller) {
        if (signal?.aborted) abort()
        else signal?.addEventListener('abort', abort, { once: true })
        source.on('data', (chunk: Buffer) => {
          // A chunk already queued when the reader cancelled must not reach the closed stream.
          if (finished) return
          controller.enqueue(
            new Uint8Array(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.byteLength),
          )
          if ((controller.desiredSize ?? 0) <= 0) source.pause()
        })
        source.once('end', () => {
          if (finished) return
          finish()
          controller.close()
        })
        const fail = (error?: Error) => {
          if (finished) return
          finish()
          controller.error(failure(signal, error))
        }
        source.once('error', fail)
        // A body cut short without an error event (the socket closed mid-body).
        source.once('close', () => fail(new Error('the connection closed before the body ended')))
      },
      pull() {
        source.resume()
      },
      cancel() {
        finish()
        incoming.destroy()
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  )
}
