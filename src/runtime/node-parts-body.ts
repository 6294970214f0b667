import { concatBytes } from '../bytes/concat.ts'
import type { PartsResponder } from '../http/parts-body.ts'

/**
 * The Node entry's byte-part responses (AppDeps.partsResponse, http/parts-body.ts): their body
 * joins the parts only if something reads it (the idempotency recording); otherwise the entry
 * takes the parts (`takeParts`) and writes them as they are (node-response.ts `sendParts`).
 */

type Pending = { stream: ReadableStream<Uint8Array>; parts: Uint8Array[] }

/** Responses whose body nobody has read yet, by response. */
const pending = new WeakMap<Response, Pending>()

export const lazyPartsResponse: PartsResponder = (c, parts, headers) => {
  let response: Response | undefined
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        // Read after all: the entry must not write the parts a second time.
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

/** The parts of a `lazyPartsResponse` no one has read, taken once, for the entry to write. */
export function takeParts(response: Response): Uint8Array[] | undefined {
  const found = pending.get(response)
  if (!found || found.stream.locked) return undefined
  pending.delete(response)
  return found.parts
}
