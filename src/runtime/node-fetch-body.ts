import type { IncomingMessage } from 'node:http'
import { pipeline, type Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'

/**
 * The Response side of runtime/node-fetch.ts: a real Response whose body is a web stream fed
 * from the socket, decoded when the server compressed it anyway.
 *
 * Reading the body straight from the socket into one buffer (no web stream) was tried: it saves
 * a copy in isolation, but in the gateway the fewer young allocations let old-generation buffers
 * pile up until V8 runs several times more full collections, and it was slower end to end.
 */

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
  const headers = new Headers()
  const raw = incoming.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!)
    } catch {
      // A header value fetch's Headers refuses (a stray control character): dropped, not fatal.
    }
  }
  let body: ReadableStream<Uint8Array> | null = null
  if (NULL_BODY_STATUSES.has(status) || options.method === 'HEAD') incoming.resume()
  else body = bodyStream(incoming, headers.get('content-encoding'), options.signal)
  let response: Response
  try {
    response = new Response(body, { status, statusText: incoming.statusMessage, headers })
  } catch (error) {
    incoming.destroy() // a status fetch cannot represent (600 and up)
    throw new TypeError('fetch failed', { cause: error })
  }
  Object.defineProperty(response, 'url', { value: options.url.href })
  if (options.redirected) Object.defineProperty(response, 'redirected', { value: true })
  return response
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

/**
 * The body as a web stream: chunks are passed on as they arrive, the socket pauses while the
 * reader lags, and a reset, a truncated body or an abort errors the stream (with
 * `TypeError('terminated')` or the signal's reason, as undici does).
 */
function bodyStream(
  incoming: IncomingMessage,
  contentEncoding: string | null,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const decoding = decoders(contentEncoding)
  const source: Readable = decoding?.length
    ? (pipeline([incoming, ...decoding], () => {}) as unknown as Readable)
    : incoming
  let finished = false
  const abort = () => incoming.destroy(signal?.reason)
  const finish = () => {
    finished = true
    signal?.removeEventListener('abort', abort)
  }
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (signal?.aborted) abort()
        else signal?.addEventListener('abort', abort, { once: true })
        source.on('data', (chunk: Buffer) => {
          // A chunk already queued when the reader cancelled must not reach the closed stream.
          if (finished) return
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
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
          controller.error(
            signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error }),
          )
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
