import * as z from 'zod/mini'

/**
 * The gateway's replies as zod schemas. They are only used to describe the API (and by tests
 * that hold real replies against them), so a reply that drifts from its description fails a test.
 */

export const errorReply = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().check(z.meta({ examples: ['invalid_request_error', 'rate_limit_error'] })),
    code: z.string().check(z.meta({ examples: ['invalid_request', 'string_above_max_length'] })),
    param: z.nullable(z.string()).check(z.meta({ description: 'The request field at fault.' })),
  }),
})

export const imagesReply = z.object({
  created: z.int(),
  data: z.array(
    z.object({
      url: z.optional(z.string()),
      b64_json: z.optional(z.string()),
      revised_prompt: z.optional(z.string()),
    }),
  ),
  model: z.string(),
  provider: z.string(),
  seed: z.nullable(z.int()),
  size: z.nullable(z.string()),
  output_format: z
    .optional(z.enum(['png', 'jpeg', 'webp', 'gif']))
    .check(z.meta({ description: "The first image's format, read from its bytes." })),
  quality: z.enum(['low', 'medium', 'high']),
  background: z.literal('opaque'),
  prompt_model: z.nullable(z.string()),
  elapsed_ms: z.number(),
  expires_at: z.int(),
  warnings: z.array(z.string()),
})

export const uploadReply = z.object({
  id: z.string().check(z.meta({ description: '`{"file_id": id}` in JSON edits.' })),
  object: z.literal('upload'),
  url: z.string(),
  expires_at: z.int(),
  content_type: z.string(),
  width: z.int(),
  height: z.int(),
  bytes: z.int(),
})

const usage = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  total_tokens: z.int(),
})

export const chatCompletionReply = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.int(),
      message: z.object({
        role: z.literal('assistant'),
        content: z
          .string()
          .check(z.meta({ description: 'Markdown with the image link, or a caption.' })),
        images: z
          .optional(
            z.array(
              z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) }),
            ),
          )
          .check(
            z.meta({ description: 'With `modalities: ["image"]`: the image as a data: URL.' }),
          ),
      }),
      finish_reason: z.string(),
    }),
  ),
  usage,
})

const count = z.int()

/** The Responses API's `response` object (`POST /v1/responses`). */
export const responsesReply = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.int(),
  status: z.string(),
  model: z.string(),
  output: z.array(z.looseObject({ id: z.string(), type: z.string(), status: z.string() })).check(
    z.meta({
      description:
        'A message with the markdown reply; or an image_generation_call (`result`: base64) and a caption.',
    }),
  ),
  store: z.literal(false),
  usage: z.nullable(z.object({ input_tokens: count, output_tokens: count, total_tokens: count })),
})

export const modelReply = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.int(),
  owned_by: z
    .string()
    .check(z.meta({ description: 'The provider types serving it, comma-separated.' })),
  // New API's; Cherry Studio files the model under the first. OpenRouter's architecture.
  supported_endpoint_types: z.array(z.string()),
  architecture: z.object({
    modality: z.string(),
    input_modalities: z.array(z.string()),
    output_modalities: z.array(z.string()),
  }),
})

export const modelListReply = z.object({ object: z.literal('list'), data: z.array(modelReply) })

/** Pollinations' `GET /models`: the ids alone. */
export const modelNamesReply = z.array(z.string())

export const statusReply = z.object({
  object: z.literal('status'),
  time: z.string(),
  scope: z.literal('process'),
  scopeNote: z.string(),
  storage: z.string(),
  defaultModel: z.string(),
  models: z.array(z.string()),
  providers: z.array(
    z.looseObject({
      name: z.string(),
      type: z.string(),
      targets: z.array(z.looseObject({ id: z.string(), key: z.nullable(z.string()) })),
    }),
  ),
})

export const healthReply = z.object({
  status: z.literal('ok'),
  storage: z.string(),
  time: z.string(),
})

/** The structured result of the MCP image tools (generate_image, edit_image). */
export const mcpImagesResult = z.object({
  url: z
    .nullable(z.string())
    .check(z.meta({ description: 'The first image; null without storage.' })),
  urls: z.array(z.string()),
  size: z.string().check(z.meta({ examples: ['1024x768'] })),
  seed: z.nullable(z.int()),
  model: z.string(),
})

/** The structured result of the MCP tool list_models. */
export const mcpModelsResult = z.object({
  default: z.string(),
  models: z.array(
    z.object({
      id: z.string(),
      providers: z.array(z.string()),
      edits: z.boolean().check(z.meta({ description: 'Whether edit_image can use it.' })),
    }),
  ),
})
