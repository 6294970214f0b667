import type { Context } from 'hono'
import { concatBytes } from '../bytes/concat.ts'

/**
 * A response body made of byte parts: an Images API reply is its JSON around each image's
 * base64, and that base64 is a view of the upstream's reply. Joined, a 1.5 MB image costs a
 * 2 MB buffer and a copy per reply, which the socket then copies again. A runtime that can write
 * the parts as they are makes the response itself (AppDeps.partsResponse; the Node entry's,
 * runtime/node-parts-body.ts, writes them in one writev). Elsewhere (the Worker) the body is
 * joined at once: a plain fixed-length body.
 */

/** Makes the response of `parts`, with the status 200 and the headers given (`c.body`'s). */
export type PartsResponder = (
  c: Context,
  parts: Uint8Array[],
  headers: Record<string, string>,
) => Response

/** `c.body()` of the parts joined, or `respond`'s response when the runtime has one. */
export function partsResponse(
  c: Context,
  parts: Uint8Array[],
  headers: Record<string, string>,
  respond?: PartsResponder,
): Response {
  // One part (a reply with links only) is a plain body already: nothing is worth handing over.
  if (respond && parts.length > 1) return respond(c, parts, headers)
  const body = parts.length === 1 ? parts[0]! : concatBytes(parts)
  return c.body(body as Uint8Array<ArrayBuffer>, 200, headers)
}
