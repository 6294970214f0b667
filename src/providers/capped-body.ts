/**
 * A response whose body stops at `maxBytes`: reading further fails with `tooLarge()`, and the
 * rest is never buffered. An upstream's reply is untrusted, so every body the gateway reads goes
 * through this, API replies and image downloads alike.
 */

/** Statuses whose Response cannot be rebuilt with a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

/** Throws `tooLarge()` when the declared length is over the cap; else a response read capped. */
export function capBody(response: Response, maxBytes: number, tooLarge: () => Error): Response {
  const declared = response.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) {
    response.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  // The HTTP client stops at a declared length; a compressed body may still inflate past it.
  // `body` is asked last: on Node, asking for it builds a stream the caller may never need.
  const bounded = declared !== null && !response.headers.has('content-encoding')
  if (bounded || NULL_BODY_STATUSES.has(response.status) || !response.body) return response
  let total = 0
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength
        if (total > maxBytes) controller.error(tooLarge())
        else controller.enqueue(chunk)
      },
    }),
  )
  const { status, statusText, headers } = response
  return new Response(counted, { status, statusText, headers })
}
