import * as z from 'zod/mini'

/**
 * The Responses API's reply (`POST /v1/responses`), for the OpenAPI document and for tests that
 * hold real replies against it, as response-schemas.ts does for the other routes.
 */

const count = z.int()

export const responsesReply = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.int(),
  status: z.string(),
  model: z.string(),
  output: z
    .array(z.looseObject({ id: z.string(), type: z.string(), status: z.string() }))
    .register(z.globalRegistry, {
      description:
        'A message with the markdown reply; or an image_generation_call (`result`: base64) and a caption.',
    }),
  store: z.literal(false),
  usage: z.nullable(z.object({ input_tokens: count, output_tokens: count, total_tokens: count })),
})
