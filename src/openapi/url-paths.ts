import { errors, GENERATION_ERRORS, KEY } from './parts.ts'

type JsonSchema = Record<string, unknown>

/** Path items of the doors that answer with the image itself: the direct URL and Pollinations'. */

export const IMAGE = { 'image/*': {} }
export const URL_ACCESS = [{}, ...KEY, { key: [] }]
export const queryParameters = (query: Record<string, JsonSchema>) =>
  Object.entries(query).map(([name, schema]) => ({ name, in: 'query', schema }))

export const HEAD_SUMMARY =
  'What a GET would answer, without drawing or counting against the limit.'
export const NOT_MODIFIED = { description: 'Not modified (If-None-Match).' }

/** Pollinations' image URL, at its long and short path. */
export function pollinationsPaths({ prompt, ...query }: Record<string, JsonSchema>) {
  const access = {
    security: URL_ACCESS,
    parameters: [
      { name: 'prompt', in: 'path', required: true, schema: prompt },
      ...queryParameters(query),
    ],
  }
  const item = {
    get: {
      summary:
        "Pollinations' image URL: the image itself, the same for the same URL unless seed=-1.",
      ...access,
      responses: {
        200: { description: '`X-Cache: HIT` when it came from the store.', content: IMAGE },
        304: NOT_MODIFIED,
        ...errors(GENERATION_ERRORS, true),
      },
    },
    head: {
      summary: HEAD_SUMMARY,
      ...access,
      responses: { 200: { description: 'An image would be drawn.' }, ...errors([400, 401, 404]) },
    },
  }
  return { '/prompt/{prompt}': item, '/p/{prompt}': item }
}
