import type { Context } from 'hono'
import { concatBytes } from '../bytes/concat.ts'

/**
 * A response body made of byte parts: an Images API reply is its JSON around each image's
 * base64, and that base64 is a view of the upstream's reply. Joined, a 1.5 MB image costs a
 * 2 MB buffer and a copy per reply, which the socket then copies again. A runtime that can
 * write the parts as they are (the Node entry: one writev, runtime/node-response.ts) says so
 * through `AppDeps.writesBodyParts`; its responses then carry a body that joins the parts only
 * if something reads it (the idempotency recording). Elsewhere (the Worker) the body is joined
 * at once, a plain fixed-length body as before.
 */

type Pending = { stream: ReadableStream<Uint8Array>; parts: Uint8Array[] }

/** Responses whose body nobody has read yet, by response. */
const pending = new WeakMap<Response, Pending>()

/**
 * `c.body()` of the parts joined, with the status and headers given; `direct` when the runtime
 * writes the parts itself (services.writesBodyParts).
 */
export function partsResponse(
  c: Context,
  parts: Uint8Array[],
  headers: Record<string, string>,
  direct: boolean,
): Response {
  // One part (a reply with links only) is a plain body already: no stream is worth making.
  if (!direct || parts.length === 1) {
    const body = parts.length === 1 ? parts[0]! : concatBytes(parts)
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers)
  }
  let response: Response | undefined
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        // Read after all: the runtime must not write the parts a second time.
        if (response) pending.delete(response)
        controller.enqueue(concatBytes(parts))
        controller.close()
      },
    },
    // No chunk is asked for before a reader asks: the default (1) would join them at once.
    { highWaterMark: 0 },
  )
  response = c.body(stream, 200, headers)
  pending.set(response, { stream, parts })
  return response
}

/** The parts of a `partsResponse` no one has read, taken once, for the runtime to write. */
export function takeParts(response: Response): Uint8Array[] | undefined {
  const found = pending.get(response)
  if (!found || found.stream.locked) return undefined
  pending.delete(response)
  return found.parts
}
