import * as z from 'zod'
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
  prompt: promptText.optional().meta({ description: 'What to draw.' }),
  size: imageSize.optional(),
  optimization: optimizationSwitch.optional(),
  seed: seedText.optional(),
  steps: stepsText.optional(),
  model: modelId.optional(),
  negative: negativePromptText.optional(),
  image: z
    .string()
    .transform((text) =>
      text
        .split('|')
        .map((link) => link.trim())
        .filter(Boolean)
        .map((url): ImageSource => ({ url })),
    )
    .optional()
    .meta({
      description:
        'Images to edit (which makes this an edit): links, data: URIs or /v1/uploads URLs, separated by `|` or in repeated `image` parameters.',
    }),
  id: z.string().optional().meta({
    description: 'A stored image (set by the redirect); drawn again from the rest once expired.',
  }),
  key: z.string().optional().meta({ description: 'A client key, when DIRECT_API_ACCESS=key.' }),
})

export type DirectQuery = z.output<typeof directQuery>

/** Reads and checks the query; the first problem becomes a 400 naming the parameter. */
export function parseDirectQuery(query: Record<string, string | undefined>): DirectQuery {
  // An empty parameter (`&seed=`, as a form leaves it) means "not given"; an empty prompt does not.
  const given = Object.entries(query).filter(([name, value]) => value !== '' || name === 'prompt')
  return parseRequest(directQuery, Object.fromEntries(given))
}
