import { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { EventSource } from '../http/event-stream.ts'
import { takeEvents } from './node-event-body.ts'
import { takeParts } from './node-parts-body.ts'

/**
 * Server-sent events written to the socket by the Node entry itself, rather than by
 * @hono/node-server. The adapter flushes the headers before it reads the first event, reads each
 * chunk through a promise of its own, and ends the chunked body in a write of its own: on
 * loopback or a LAN each write is a syscall and a packet the peer wakes up for. Here the headers
 * leave with the first event, and what the stream sends at one moment (the last events,
 * `data: [DONE]` and the end of the body) leaves in one write: a chat stream goes out in two
 * writes instead of three (counted in node-response-events.test.ts).
 *
 * The events of a door's stream (node-event-body.ts) are started straight into the socket
 * when no one has read the response's body (writeEvents): no web stream, no reader loop. A body
 * something read first (the idempotency recording's playback), or any other event stream, is
 * read from its web stream (pump), to the same bytes.
 *
 * Most doors send a first event at once, so holding the headers for it delays nothing. Should
 * none be ready by the next turn of the event loop (an image stream's first event is the
 * image), the headers go alone, as the adapter would send them.
 */

/** Sends `response` on `outgoing` when it is an event stream; null leaves it to the adapter. */
export function sendEventStream(response: Response, outgoing: unknown): Response | null {
  // HTTP/1 only: HTTP/2's response has no cork().
  if (!(outgoing instanceof ServerResponse) || outgoing.headersSent) return null
  // Taken before `body`: on the adapter's light Response, asking for the body builds a full one
  // from the original init, without the headers middleware set since (X-Request-Id, CORS).
  const { headers, status } = response
  if (!headers.get('content-type')?.startsWith('text/event-stream')) return null
  // The events themselves when no one has read the body (http/event-response.ts): no web stream.
  const events = takeEvents(response)
  const body = events ? undefined : response.body
  if (!events && (!body || body.locked)) return null
  const head: Record<string, string | string[]> = {}
  for (const [name, value] of headers) if (name !== 'set-cookie') head[name] = value
  const cookies = headers.getSetCookie()
  if (cookies.length > 0) head['set-cookie'] = cookies
  outgoing.writeHead(status, head)
  if (events) writeEvents(events, outgoing)
  else void pump(body!.getReader(), outgoing)
  // Tells the adapter the response went out (it writes nothing for this one).
  return RESPONSE_ALREADY_SENT
}

/**
 * The headers alone, if the first event is not ready by the next turn of the loop (an image
 * stream's is the image). Not `headersSent`: it is true from writeHead on, before any byte left.
 */
function headersUnlessSent(outgoing: ServerResponse, sent: () => boolean) {
  return setImmediate(() => {
    if (!sent() && outgoing.writable) outgoing.flushHeaders()
  })
}

/** Holds the writes of this tick until the microtasks settle: they leave in one writev. */
function corkForTick(outgoing: ServerResponse) {
  if (outgoing.writableCorked) return
  outgoing.cork()
  process.nextTick(() => outgoing.uncork())
}

/**
 * Starts `events` into `outgoing`: each chunk one write, the writes of one tick one writev. A
 * slow client's chunks wait in the response's own buffer, as they waited in the web stream's
 * queue before (no producer here waits for the client: a chat's text and an image are small
 * and bounded). The client leaving cancels the events, which aborts the generation.
 */
function writeEvents(events: EventSource, outgoing: ServerResponse) {
  let sent = false
  const early = headersUnlessSent(outgoing, () => sent)
  const cancel = events.start({
    write(chunk) {
      sent = true
      if (outgoing.destroyed) return
      corkForTick(outgoing)
      outgoing.write(chunk)
    },
    close() {
      clearImmediate(early)
      outgoing.off('close', cancel)
      if (!outgoing.destroyed) outgoing.end()
    },
  })
  outgoing.once('close', cancel)
}

async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, outgoing: ServerResponse) {
  // The client went away: cancelling the stream aborts the work behind it.
  const cancel = () => void reader.cancel().catch(() => {})
  outgoing.once('close', cancel)
  let sent = false
  const early = headersUnlessSent(outgoing, () => sent)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      sent = true
      // Held until the microtasks settle: whatever the stream holds now joins this write.
      corkForTick(outgoing)
      if (done) break
      if (!outgoing.write(value) && !outgoing.destroyed) await drained(outgoing)
    }
    if (!outgoing.destroyed) outgoing.end()
  } catch (error) {
    outgoing.destroy(error as Error)
  } finally {
    clearImmediate(early)
    outgoing.off('close', cancel)
  }
}

/** Resolves once `outgoing` takes more, or has closed (the next write is then a no-op). */
function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off('drain', done)
      outgoing.off('close', done)
      resolve()
    }
    outgoing.once('drain', done)
    outgoing.once('close', done)
  })
}

/**
 * Sends a `lazyPartsResponse` (node-parts-body.ts) no one has read: its parts written as they are,
 * in one writev with the headers, rather than joined into one buffer first (a 2 MB copy for a
 * FLUX.2 image's `b64_json`). The headers are the ones @hono/node-server would write for the
 * joined body, Content-Length included. Null leaves every other response to the adapter.
 */
export function sendParts(response: Response, outgoing: unknown): Response | null {
  if (!(outgoing instanceof ServerResponse) || outgoing.headersSent) return null
  const parts = takeParts(response)
  if (!parts) return null
  const head: Record<string, string | string[] | number> = {}
  const cookies: string[] = []
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') cookies.push(value)
    else head[name] = value
  }
  if (cookies.length > 0) head['set-cookie'] = cookies
  head['content-type'] ??= 'text/plain; charset=UTF-8'
  if (head['content-length'] === undefined) {
    let length = 0
    for (const part of parts) length += part.byteLength
    head['Content-Length'] = length
  }
  outgoing.writeHead(response.status, head)
  // Node's response corks its socket for the rest of this tick: headers and parts, one writev.
  for (const part of parts) outgoing.write(part)
  outgoing.end()
  return RESPONSE_ALREADY_SENT
}

/**
 * What the Node entry does with the app's response: writes it itself where it writes better than
 * the adapter (an Images reply's parts, an event stream), else hands it back for the adapter.
 */
export function sendResponse(response: Response, outgoing: unknown): Response {
  return sendParts(response, outgoing) ?? sendEventStream(response, outgoing) ?? response
}
