import * as z from 'zod'
import { aspectRatio } from './aspect-ratio.ts'
import { imageCountInteger, imageSize, modelId, promptText, seedInteger } from './field-schemas.ts'
import { type ImageSource, MAX_INPUT_IMAGES } from './fields.ts'
import { parseRequest } from './request-error.ts'

/**
 * The arguments of the MCP door's tools (`POST /mcp`, `tools/call`). A language model fills them
 * in from the JSON Schema `tools/list` publishes, which is generated from these schemas: numbers
 * and switches are plain JSON types here (no digit strings), so that schema stays simple to
 * follow. Unknown arguments are stripped, as every door strips unknown fields.
 */

export const generateImageArguments = z
  .object({
    prompt: promptText.meta({ description: 'What to draw; any language.' }),
    model: modelId
      .optional()
      .meta({ description: 'A model id from list_models; default if absent.' }),
    size: imageSize.optional(),
    aspect_ratio: aspectRatio.optional(),
    seed: seedInteger.optional(),
    n: imageCountInteger.optional().meta({ description: 'Images to draw (default 1).' }),
    enhance: z.boolean({ error: 'must be true or false' }).optional().meta({
      description: 'Let an LLM rewrite the prompt first, when the gateway has one.',
    }),
  })
  .check((ctx) => {
    if (ctx.value.size && ctx.value.aspect_ratio) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['aspect_ratio'],
        message: 'cannot be combined with size',
      })
    }
  })

/**
 * An input image as a link: an https URL, a `data:` URI, or this gateway's own `/image/{key}`
 * link. The generation flow reads it (SSRF-safe and capped, its own links from the store) and
 * refuses, naming the image, what it cannot use, before any upstream call.
 */
const imageLink = z
  .string({ error: 'must be a link or a data: URI' })
  .trim()
  .min(1, { error: 'must be a link or a data: URI' })
  .transform((url): ImageSource => ({ url }))
  .meta({ description: 'An https URL, a data: URI, or an /image/ link from this gateway.' })

export const editImageArguments = z.object({
  prompt: promptText.meta({ description: 'What to change, or what to draw from the images.' }),
  images: z
    .array(imageLink, { error: 'must be an array of image links' })
    .min(1, { error: 'must hold at least one image' })
    .max(MAX_INPUT_IMAGES, { error: `must hold at most ${MAX_INPUT_IMAGES} images` })
    .meta({ description: 'The image to edit first, then any references.' }),
  mask: imageLink.optional().meta({
    description: 'A PNG whose transparent pixels mark where the first image may change.',
  }),
  model: modelId.optional().meta({ description: 'A model id from list_models that edits.' }),
})

/** Checks a tool's arguments; the first problem is a 400 GatewayError naming the argument. */
export const parseToolArguments = <Schema extends z.ZodType>(schema: Schema, args: unknown) =>
  parseRequest(schema, args ?? {})
