import { decodeBase64Parts } from '../../bytes/base64.ts'
import { isCanonicalBase64 } from '../../bytes/base64-canonical.ts'
import { concatBytes } from '../../bytes/concat.ts'
import { type Envelope, imageStart, lastClosingQuote, readEnvelope, withRest } from './reply.ts'

/**
 * `readEnvelope` of the body the parts make (a reply as its socket's chunks, bytes/body-parts.ts),
 * read where they lie when the image field opens in the first part and closes in the last: the
 * base64 is decoded across the parts and kept as views of them. Anything else is joined and read
 * as one body. The Worker, whose fetch hands over one part, builds reply-parts-worker.ts in this
 * file's place (scripts/worker-substitutes.ts).
 */
export function readEnvelopeParts(parts: readonly Uint8Array[]): Envelope | null {
  if (parts.length <= 1) return readEnvelope(parts[0] ?? new Uint8Array(0))
  return fastPathParts(parts) ?? readEnvelope(concatBytes(parts))
}

/**
 * fastPath over parts. The searches give what they give on the joined body: the field's opening
 * is looked for in the first part only (an opening cut by the part's end is not found there, and
 * nothing after it in that part could be one), its close from the end of the last part back,
 * which is where the joined search starts; a search that would leave its part gives up.
 */
function fastPathParts(parts: readonly Uint8Array[]): Envelope | null {
  const first = parts[0]!
  const last = parts.at(-1)!
  const start = imageStart(first)
  if (start < 0) return null
  const end = lastClosingQuote(last, 0)
  if (end < 0) return null
  const text = [first.subarray(start), ...parts.slice(1, -1), last.subarray(0, end)]
  const image = decodeBase64Parts(text)
  if (!image) return null
  return withRest(
    image,
    first.subarray(0, start),
    text,
    last.subarray(end),
    isCanonicalParts(text, image),
  )
}

/** isCanonicalBase64 of the text the parts make, which looks at its length and last 4 bytes. */
function isCanonicalParts(text: Uint8Array[], image: Uint8Array): boolean {
  if (text.length === 1) return isCanonicalBase64(text[0]!, image)
  let length = 0
  for (const part of text) length += part.length
  const lastFour = new Uint8Array(Math.min(4, length))
  let at = lastFour.length
  for (let k = text.length - 1; k >= 0 && at > 0; k--) {
    const part = text[k]!
    const taken = Math.min(at, part.length)
    lastFour.set(part.subarray(part.length - taken), at - taken)
    at -= taken
  }
  // The length is compared as if the whole text were there: only the last 4 bytes are read.
  return length === lastFour.length
    ? isCanonicalBase64(lastFour, image)
    : isCanonicalBase64(lastFour, image, lastFour.length - length, lastFour.length)
}
