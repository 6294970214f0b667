import { concatBytes } from '../../bytes/concat.ts'
import { readEnvelope } from './reply.ts'
import type * as onNode from './reply-parts.ts'

/**
 * reply-parts.ts for the Worker bundle (scripts/worker-substitutes.ts): the Worker's fetch hands
 * a reply over as one part (bytes/body-parts.ts), so reading across parts would never run there.
 * Same export and results; the type is checked against reply-parts.ts.
 */
export const readEnvelopeParts: typeof onNode.readEnvelopeParts = (parts) =>
  readEnvelope(parts.length === 1 ? parts[0]! : concatBytes(parts))
