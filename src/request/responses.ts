import * as z from 'zod/mini'
import { described, imageSize, pickedModelName } from './field-schemas.ts'
import { imageOutputFields } from './image-output.ts'
import { parseRequest } from './request-error.ts'

/**
 * The body of `POST /v1/responses`, OpenAI's Responses API. Like the chat body, only what the
 * gateway uses is validated and every other field (temperature, reasoning, text, tool_choice,
 * include, ...) passes unread. The gateway keeps no responses, so the fields that need a stored
 * one are refused rather than ignored. `store` (the AI SDK sends `store: true` on every call)
 * passes unread, and the reply says `store: false`.
 */

/** `null` is how many clients say "not given". */
const absentOr = <Schema extends z.core.$ZodType>(schema: Schema) => z.optional(z.nullable(schema))

const text = () => z.string({ error: 'must be a string' })

/** A part of a message's content: `input_text`, `input_image` (a link), `input_file`, ... */
const contentPart = z.looseObject({
  type: text(),
  text: z.optional(text()),
  image_url: z.optional(text()),
  file_id: z.optional(text()),
})

/** A message (`{role, content}`) or any other input item, which is kept unread. */
const inputItem = z.looseObject({
  type: z.optional(text()),
  role: z.optional(text()),
  content: absentOr(
    z.union([z.string(), z.array(contentPart)], {
      error: 'must be a string or an array of content parts',
    }),
  ),
})

/** The Images API's output fields, as the image tool takes them too; a tool has no `stream`. */
const { stream: _, ...toolOutputFields } = imageOutputFields

/**
 * A tool. The `image_generation` tool's fields are checked wherever they appear: no other tool
 * type has fields of these names, and one object schema keeps every error's `param` exact
 * (`tools.1.size`). `output_format`, `background`, `quality`, `partial_images` and the rest act
 * as on the Images API (image-output.ts); `action` and `input_image_mask` pass unread (the input
 * images come from the message). The gateway calls no other tool.
 */
const tool = z.looseObject({
  type: text(),
  model: z.optional(pickedModelName),
  size: z.optional(imageSize).check(described("The prompt's own size wins.")),
  ...toolOutputFields,
})

/**
 * A field that needs a stored response (to continue one, or to fetch one later), refused with
 * `code` whenever it asks for one.
 */
const needsStore = (code: string) =>
  z.optional(
    z.unknown().check((ctx) => {
      if (!ctx.value) return
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        params: { code },
        message:
          'This gateway keeps no responses, to continue or to fetch later: send the whole conversation in `input`, without this field.',
      })
    }),
  )

export const responsesBody = z.looseObject({
  input: z
    .union([z.string(), z.array(inputItem)], {
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : 'must be a string or an array of input items such as {"role": "user", "content": "..."}',
    })
    .check(
      described(
        'The prompt, or messages: the last user one is the prompt; its images make an edit.',
      ),
    ),
  model: z.optional(pickedModelName),
  instructions: absentOr(text()),
  stream: absentOr(z.boolean({ error: 'must be true or false' })),
  previous_response_id: needsStore('previous_response_not_found').check(described('Refused.')),
  background: needsStore('unsupported_parameter').check(described('Refused when true.')),
  tools: absentOr(z.array(tool, { error: 'must be an array of tools' })),
})

export type ResponsesInputItem = z.output<typeof inputItem>
export type ImageGenerationTool = z.output<typeof tool>

/** What the Responses API route works from, after validation. */
export type ResponsesRequest = {
  /** A string prompt, or the input items (the last user message is the prompt). */
  input: string | ResponsesInputItem[]
  model: string | undefined
  instructions: string | null
  stream: boolean
  /** The `image_generation` tool; absent: answer with a message. */
  imageTool: ImageGenerationTool | undefined
  /** The tools as the client sent them, echoed in the reply as OpenAI does. */
  tools: unknown[]
}

/** Validates the body; throws a 400 naming the field at fault (`tools.0.size`). */
export function parseResponsesBody(body: Record<string, unknown>): ResponsesRequest {
  const parsed = parseRequest(responsesBody, body)
  return {
    input: parsed.input,
    model: parsed.model,
    instructions: parsed.instructions ?? null,
    stream: parsed.stream === true,
    imageTool: parsed.tools?.find((entry) => entry.type === 'image_generation'),
    tools: Array.isArray(body.tools) ? body.tools : [],
  }
}
