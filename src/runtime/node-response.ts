import { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { takeParts } from '../http/parts-body.ts'

/**
 * Server-sent events written to the socket by the Node entry itself, rather than by
 * @hono/node-server. The adapter flushes the headers before it reads the first event, reads each
 * chunk through a promise of its own, and ends the chunked body in a write of its own: on
 * loopback or a LAN each write is a syscall and a packet the peer wakes up for. Here the headers
 * leave with the first event, and what the stream holds at one moment (the last events,
 * `data: [DONE]` and the end of the body) leaves in one write: a chat stream goes out in two
 * writes instead of three (counted in node-response.test.ts and on the gateway's chat door).
 *
 * Only event streams: their first event is ready at once (every door that streams sends one
 * before it awaits anything), so holding the headers for it delays nothing. Should one not be
 * ready by the next turn of the event loop, the headers go alone, as the adapter would send them.
 */

/** Sends `response` on `outgoing` when it is an event stream; null leaves it to the adapter. */
export function sendEventStream(response: Response, outgoing: unknown): Response | null {
  // HTTP/1 only: HTTP/2's response has no cork().
  if (!(outgoing instanceof ServerResponse) || outgoing.headersSent) return null
  // Taken before `body`: on the adapter's light Response, asking for the body builds a full one
  // from the original init, without the headers middleware set since (X-Request-Id, CORS).
  const { headers, status } = response
  if (!headers.get('content-type')?.startsWith('text/event-stream')) return null
  const body = response.body
  if (!body || body.locked) return null
  const head: Record<string, string | string[]> = {}
  for (const [name, value] of headers) if (name !== 'set-cookie') head[name] = value
  const cookies = headers.getSetCookie()
  if (cookies.length > 0) head['set-cookie'] = cookies
  outgoing.writeHead(status, head)
  void pump(body.getReader(), outgoing)
  // Tells the adapter the response went out (it writes nothing for this one).
  return RESPONSE_ALREADY_SENT
}

async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, outgoing: ServerResponse) {
  // The client went away: cancelling the stream aborts the work behind it.
  const cancel = () => void reader.cancel().catch(() => {})
  outgoing.once('close', cancel)
  let sent = false
  // The headers alone, if the first event is not ready by the next turn of the loop.
  const early = setImmediate(() => {
    if (!sent && !outgoing.headersSent && outgoing.writable) outgoing.flushHeaders()
  })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      sent = true
      // Held until the microtasks settle: whatever the stream holds now joins this write.
      if (!outgoing.writableCorked) {
        outgoing.cork()
        process.nextTick(() => outgoing.uncork())
      }
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
 * Sends a `partsResponse` (http/parts-body.ts) no one has read: its parts written as they are,
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
