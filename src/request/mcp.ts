import * as z from 'zod/mini'
import { aspectRatio } from './aspect-ratio.ts'
import {
  described,
  imageCountInteger,
  imageSize,
  modelId,
  promptText,
  seedInteger,
} from './field-schemas.ts'
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
    prompt: promptText.check(described('What to draw; any language.')),
    model: z.optional(modelId).check(described('A model id from list_models; default if absent.')),
    size: z.optional(imageSize),
    aspect_ratio: z.optional(aspectRatio),
    seed: z.optional(seedInteger),
    n: z.optional(imageCountInteger).check(described('Images to draw (default 1).')),
    enhance: z
      .optional(z.boolean({ error: 'must be true or false' }))
      .check(described('Let an LLM rewrite the prompt first, when the gateway has one.')),
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
const LINK_RULE = 'must be a link or a data: URI'
const imageLink = z
  .pipe(
    z.string({ error: LINK_RULE }).check(z.trim(), z.minLength(1, { error: LINK_RULE })),
    z.transform((url): ImageSource => ({ url })),
  )
  .check(described('An https URL, a data: URI, or an /image/ link from this gateway.'))

export const editImageArguments = z.object({
  prompt: promptText.check(described('What to change, or what to draw from the images.')),
  images: z
    .array(imageLink, { error: 'must be an array of image links' })
    .check(
      z.minLength(1, { error: 'must hold at least one image' }),
      z.maxLength(MAX_INPUT_IMAGES, { error: `must hold at most ${MAX_INPUT_IMAGES} images` }),
      described('The image to edit first, then any references.'),
    ),
  mask: z
    .optional(imageLink)
    .check(described('A PNG whose transparent pixels mark where the first image may change.')),
  model: z.optional(modelId).check(described('A model id from list_models that edits.')),
})

/** Checks a tool's arguments; the first problem is a 400 GatewayError naming the argument. */
export const parseToolArguments = <Schema extends z.ZodMiniType>(schema: Schema, args: unknown) =>
  parseRequest(schema, args ?? {})
