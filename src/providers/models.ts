import type { ModelCapabilities, ModelSpec } from './types.ts'

/** The model of `catalogue` that `id` names: its upstream id or a public id, in any case. */
export function findModel<T extends Pick<ModelSpec, 'id' | 'publicIds'>>(
  catalogue: T[],
  id: string,
): T | undefined {
  const wanted = id.toLowerCase()
  return catalogue.find(
    (model) =>
      model.id.toLowerCase() === wanted ||
      model.publicIds.some((publicId) => publicId.toLowerCase() === wanted),
  )
}

/** A maker of specs for ids a catalogue does not know: served as written, with `capabilities`. */
export const unknownModels =
  (capabilities: ModelCapabilities) =>
  (id: string): ModelSpec => ({ id, publicIds: [], capabilities })

/**
 * The specs for an entry's `models`, or the whole catalogue when it names none. A known model is
 * served under its canonical id whatever spelling named it; an unknown id keeps its spelling and
 * gets what `unknown` makes of it. Two names of one model serve it once.
 */
export function resolveModels<T extends ModelSpec>(
  catalogue: T[],
  ids: string[] | undefined,
  unknown: (id: string) => T,
): T[] {
  if (!ids?.length) return catalogue
  const specs = ids.map((id) => findModel(catalogue, id) ?? unknown(id))
  return specs.filter((spec, index) => specs.findIndex((other) => other.id === spec.id) === index)
}
