/**
 * A reply's whole body as the parts it arrived in, for a reader that can take them apart where
 * they lie (a Workers AI envelope's base64: decoded across the parts, and sent on as they are).
 * Joining a 2 MB reply costs a 2 MB buffer and a copy of every byte; a runtime whose fetch
 * gathers a body from its socket (the Node entry's, runtime/node-fetch-body.ts) offers the
 * chunks themselves under BODY_PARTS. Any other Response is read with `arrayBuffer()`, one part.
 */

export const BODY_PARTS = Symbol('body parts')

type PartsReader = { [BODY_PARTS]?: () => Promise<Uint8Array[]> }

/** The body's bytes in order, as views the caller may keep but must not write to. */
export function readBodyParts(response: Response): Promise<Uint8Array[]> {
  const read = (response as PartsReader)[BODY_PARTS]
  if (read) return read.call(response)
  return response.arrayBuffer().then((buffer) => [new Uint8Array(buffer)])
}
