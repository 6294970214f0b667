import * as z from 'zod/mini'
import { aspectRatio } from './aspect-ratio.ts'
import { described, pickedModelName, seedNumber } from './field-schemas.ts'
import { parseRequest } from './request-error.ts'

/**
 * The chat request body: only what the gateway uses is validated; every other field clients send
 * (temperature, tools, n, user, nulls, ...) passes through unread, as OpenAI-compatible servers
 * are expected to accept them.
 */

const contentPart = z.looseObject({
  type: z.string({ error: 'must be a string' }),
  text: z.optional(z.string({ error: 'must be a string' })),
})
const chatMessage = z.looseObject({
  role: z.string({ error: 'must be a string' }),
  content: z
    .optional(
      z.union([z.string(), z.array(contentPart), z.null()], {
        error: 'must be a string, an array of content parts, or null',
      }),
    )
    .check(
      described(
        'The last user message is the prompt, with its inline options; its `image_url` parts (https or `data:`) make it an edit of those images, and `--edit` edits the image of the latest reply.',
      ),
    ),
})

const requestBody = z.looseObject({
  messages: z.array(chatMessage, { error: 'must be an array of {role, content} objects' }),
  model: pickedModelName,
  stream: z.nullish(z.boolean({ error: 'must be true or false' })),
  stream_options: z.catch(
    z.nullish(
      z.looseObject({ include_usage: z.optional(z.unknown()).check(z.meta({ type: 'boolean' })) }),
    ),
    undefined,
  ),
  // SillyTavern and the AI SDK send the seed here.
  seed: z.nullish(seedNumber).check(described("The prompt's own `--seed` wins over it.")),
  // OpenRouter's image output, which LobeChat and others read.
  modalities: z
    .nullish(
      z.array(z.enum(['text', 'image'], { error: 'must be "text" or "image"' }), {
        error: 'must be an array such as ["image", "text"]',
      }),
    )
    .check(described('With "image": the image in `message.images`, not in markdown.')),
  image_config: z.nullish(
    z.looseObject(
      {
        aspect_ratio: z
          .optional(aspectRatio)
          .check(described("The prompt's own size or ratio wins over it.")),
      },
      { error: 'must be an object such as {"aspect_ratio": "16:9"}' },
    ),
  ),
})

export const chatBody = z.pipe(
  requestBody,
  z.transform(({ messages, model, stream, stream_options, seed, modalities, image_config }) => ({
    messages,
    /** The `model` field when it is a non-empty string. */
    model,
    stream: stream === true,
    includeUsage: stream_options?.include_usage === true,
    seed: seed ?? undefined,
    /** Answer OpenRouter's way: the image in `images`, a caption as the content. */
    imagesOut: modalities?.includes('image') === true,
    /** The size `image_config.aspect_ratio` stands for. */
    ratioSize: image_config?.aspect_ratio,
  })),
)

export type ChatMessage = z.output<typeof chatMessage>
export type ChatBody = z.output<typeof chatBody>

/** Validates the body; throws a 400 naming the field at fault (`messages.2.content`). */
export function parseChatBody(body: unknown): ChatBody {
  return parseRequest(chatBody, body)
}
