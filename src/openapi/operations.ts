import type { COMPONENT_SCHEMAS } from './document.ts'

/**
 * Building blocks of the OpenAPI document (document.ts), and the POSTs that generate: chat, the
 * Images API and the Responses API.
 */

type ComponentId = keyof typeof COMPONENT_SCHEMAS

const ref = (id: ComponentId) => ({ $ref: `#/components/schemas/${id}` })
export const json = (id: ComponentId) => ({ 'application/json': { schema: ref(id) } })
export const html = { 'text/html': { schema: { type: 'string' } } }
export const IMAGE = { 'image/*': {} }
const SSE = { 'text/event-stream': { schema: { type: 'string' } } }

const ERRORS: Record<number, string> = {
  400: 'Bad input, refused before any upstream call.',
  401: 'Missing or unknown client key.',
  404: 'Unknown model, path or image.',
  413: 'Request body too large.',
  429: 'Rate limited; see Retry-After.',
  502: 'Every upstream failed.',
  503: 'Every upstream is busy or rate-limited.',
  504: 'Generation timed out.',
}
export const GENERATION_ERRORS = [400, 401, 404, 413, 429, 502, 503, 504]

/** Error responses; the direct API draws them as an image unless asked for JSON. */
export const errors = (statuses: number[], image = false) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERRORS[status],
        content: { ...json('Error'), ...(image && { 'image/png': {} }) },
      },
    ]),
  )

export const KEY = [{ bearer: [] }]
export const OPEN: never[] = []

/** A POST that generates: its body, and its reply (streamed too, when `stream` says so). */
function generating(summary: string, request: ComponentId, reply: object, description: string) {
  return {
    post: {
      summary,
      security: KEY,
      requestBody: { required: true, content: json(request) },
      responses: { 200: { description, content: reply }, ...errors(GENERATION_ERRORS) },
    },
  }
}

export function generationPaths() {
  return {
    '/v1/chat/completions': generating(
      'Draws the last user message (with its inline options) as a markdown image.',
      'ChatRequest',
      { ...json('ChatCompletion'), ...SSE },
      'A chat.completion; with `stream: true`, server-sent chat.completion.chunk events ending in `data: [DONE]`.',
    ),
    '/v1/images/generations': generating(
      "OpenAI's Images API, with SiliconFlow's aliases.",
      'ImagesRequest',
      json('ImagesResponse'),
      'The images.',
    ),
    '/v1/responses': generating(
      "OpenAI's Responses API: draws the input like chat, or with the image_generation tool.",
      'ResponsesRequest',
      { ...json('Response'), ...SSE },
      'A response; with `stream: true`, server-sent events to response.completed.',
    ),
  }
}
