import { type InputShape, resolveModel, routesForInput } from '../generate/input-routes.ts'
import type { Catalogue } from '../pool/catalogue.ts'

/**
 * The model a conversational door (chat, the Responses API) draws with, given the name it was
 * asked for (the prompt's `--model`, else the body's `model`). These clients send whatever model
 * name the person picked, so an unknown one is not an error: the default model draws it (an
 * edit: the first model that edits), and `fallback` lets the reply say so. Given the request's
 * `shape`, a model that cannot take its input images is a 400 here, before anything is counted
 * or a stream opens.
 */
export function chooseModel(catalogue: Catalogue, asked: string | undefined, shape?: InputShape) {
  const known = asked !== undefined && catalogue.has(asked)
  const resolved = resolveModel(catalogue, known ? asked : undefined, shape ?? NO_INPUT)
  if (shape) routesForInput(resolved, shape)
  const id = resolved.id
  return {
    id,
    /** The name to pass to generation: the asked one when it routes, else none (the default). */
    requested: known ? asked : undefined,
    fallback: asked !== undefined && !known ? { asked, model: id } : undefined,
  }
}

const NO_INPUT: InputShape = { images: 0, mask: false }
