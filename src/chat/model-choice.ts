import { type InputShape, resolveModel } from '../generate/input-routes.ts'
import type { Catalogue } from '../pool/catalogue.ts'

const NO_INPUT: InputShape = { images: 0, mask: false }

/**
 * The model a conversational door (chat, the Responses API) draws with, given the name it was
 * asked for (the prompt's `--model`, else the body's `model`). These clients send whatever model
 * name the person picked, so an unknown one is not an error: the default model draws it (for an
 * edit, the first model that edits), and `fallback` lets the reply say so.
 */
export function chooseModel(
  catalogue: Catalogue,
  asked: string | undefined,
  shape: InputShape = NO_INPUT,
) {
  const known = asked !== undefined && catalogue.has(asked)
  const resolved = resolveModel(catalogue, known ? asked : undefined, shape)
  return {
    id: resolved.id,
    resolved,
    /** The name to pass to generation: the asked one when it routes, else none (the default). */
    requested: known ? asked : undefined,
    fallback: asked !== undefined && !known ? { asked, model: resolved.id } : undefined,
  }
}
