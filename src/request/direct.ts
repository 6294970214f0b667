import * as z from 'zod/mini'
import {
  imageSize,
  modelId,
  negativePromptText,
  optimizationSwitch,
  promptText,
  seedText,
  stepsText,
} from './field-schemas.ts'
import type { ImageSource } from './fields.ts'
import { parseRequest } from './request-error.ts'

/**
 * The query of the direct image API, `GET /?prompt=...`. Everything arrives as text, so numbers
 * take only their string form. `id` and `key` are read by the route itself (a stored image is
 * served before anything else is checked); they are here to be described.
 */
export const directQuery = z.object({
  prompt: z.optional(promptText).check(z.meta({ description: 'What to draw.' })),
  size: z.optional(imageSize),
  optimization: z.optional(optimizationSwitch),
  seed: z.optional(seedText),
  steps: z.optional(stepsText),
  model: z.optional(modelId),
  negative: z.optional(negativePromptText),
  image: z
    .optional(
      z.pipe(
        z.string(),
        z.transform((text) =>
          text
            .split('|')
            .map((link) => link.trim())
            .filter(Boolean)
            .map((url): ImageSource => ({ url })),
        ),
      ),
    )
    .check(
      z.meta({
        description:
          'Images to edit (which makes this an edit): links, data: URIs or /v1/uploads URLs, separated by `|` or in repeated `image` parameters.',
      }),
    ),
  id: z.optional(z.string()).check(
    z.meta({
      description: 'A stored image (set by the redirect); drawn again from the rest once expired.',
    }),
  ),
  key: z
    .optional(z.string())
    .check(z.meta({ description: 'A client key, when DIRECT_API_ACCESS=key.' })),
})

export type DirectQuery = z.output<typeof directQuery>

/** Reads and checks the query; the first problem becomes a 400 naming the parameter. */
export function parseDirectQuery(query: Record<string, string | undefined>): DirectQuery {
  // An empty parameter (`&seed=`, as a form leaves it) means "not given"; an empty prompt does not.
  const given = Object.entries(query).filter(([name, value]) => value !== '' || name === 'prompt')
  return parseRequest(directQuery, Object.fromEntries(given))
}
