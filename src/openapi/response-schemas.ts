import * as z from 'zod'

/**
 * The gateway's replies as zod schemas. They are only used to describe the API (and by tests
 * that hold real replies against them), so a reply that drifts from its description fails a test.
 */

export const errorReply = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().meta({ examples: ['invalid_request_error', 'rate_limit_error'] }),
    code: z.string().meta({ examples: ['invalid_request', 'string_above_max_length'] }),
    param: z.string().nullable().meta({ description: 'The request field at fault.' }),
  }),
})

export const imagesReply = z.object({
  created: z.int(),
  data: z.array(
    z.object({
      url: z.string().optional(),
      b64_json: z.string().optional(),
      revised_prompt: z.string().optional(),
    }),
  ),
  model: z.string(),
  provider: z.string(),
  seed: z.int().nullable(),
  size: z.string().nullable(),
  output_format: z
    .enum(['png', 'jpeg', 'webp', 'gif'])
    .optional()
    .meta({ description: "The first image's format, read from its bytes." }),
  quality: z.enum(['low', 'medium', 'high']),
  background: z.literal('opaque'),
  prompt_model: z.string().nullable(),
  elapsed_ms: z.number(),
  expires_at: z.int(),
  warnings: z.array(z.string()),
})

export const uploadReply = z.object({
  id: z.string().meta({ description: '`{"file_id": id}` in JSON edits.' }),
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
        content: z.string().meta({ description: 'Markdown with the image link, or a caption.' }),
        images: z
          .array(
            z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) }),
          )
          .optional()
          .meta({ description: 'With `modalities: ["image"]`: the image as a data: URL.' }),
      }),
      finish_reason: z.string(),
    }),
  ),
  usage,
})

export const modelReply = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.int(),
  owned_by: z.string().meta({ description: 'The provider types serving it, comma-separated.' }),
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
      targets: z.array(z.looseObject({ id: z.string(), key: z.string().nullable() })),
    }),
  ),
})

export const healthReply = z.object({
  status: z.literal('ok'),
  storage: z.string(),
  time: z.string(),
})
