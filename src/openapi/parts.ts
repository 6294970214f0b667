/** Pieces every path item of the OpenAPI document is built from. */

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })
export const json = (id: string) => ({ 'application/json': { schema: ref(id) } })
export const html = { 'text/html': { schema: { type: 'string' } } }

const ERRORS: Record<number, string> = {
  400: 'Bad input, refused before any upstream call.',
  401: 'Missing or unknown client key.',
  404: 'Unknown model, path or image.',
  413: 'Request body (or one of its images) too large.',
  429: 'Rate limited; see Retry-After.',
  501: 'Not available on this gateway.',
  502: 'Every upstream failed.',
  503: 'Every upstream is busy or rate-limited.',
  504: 'Generation timed out.',
}
export const GENERATION_ERRORS = [400, 401, 404, 413, 429, 502, 503, 504]

/** Error responses by reference; the direct API draws them as an image unless asked for JSON. */
export const errors = (statuses: number[], image = false) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { $ref: `#/components/responses/${image ? 'ImageError' : 'Error'}${status}` },
    ]),
  )

/** The error responses `errors` refers to, once each, for `components.responses`. */
export const errorResponses = () =>
  Object.fromEntries(
    Object.entries(ERRORS).flatMap(([status, description]) => [
      [`Error${status}`, { description, content: json('Error') }],
      [`ImageError${status}`, { description, content: { ...json('Error'), 'image/png': {} } }],
    ]),
  )

/** The Images API's answers: JSON, or with `stream: true` server-sent `{kind}.*` events. */
export const imagesAnswer = (kind: 'image_generation' | 'image_edit') => ({
  200: {
    description: `The images; with \`stream: true\`, an \`event: ${kind}.completed\` per image, or \`event: error\`.`,
    content: { ...json('ImagesResponse'), 'text/event-stream': { schema: { type: 'string' } } },
  },
  ...errors(GENERATION_ERRORS),
})

export const KEY = [{ bearer: [] }]
export const OPEN: never[] = []
