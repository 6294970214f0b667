import { errors, GENERATION_ERRORS, json, KEY } from './parts.ts'

/** The path item of OpenAI's Responses API. */
export const responsesPaths = {
  '/v1/responses': {
    post: {
      summary:
        "OpenAI's Responses API: draws the input like chat, or with the image_generation tool.",
      security: KEY,
      requestBody: { required: true, content: json('ResponsesRequest') },
      responses: {
        200: {
          description: 'A response; with `stream: true`, server-sent events to response.completed.',
          content: { ...json('Response'), 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...errors(GENERATION_ERRORS),
      },
    },
  },
}
