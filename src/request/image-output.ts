import * as z from 'zod/mini'
import { booleanSwitch, described, integerOrTextIn, rangeRule } from './field-schemas.ts'
import type { ImageFormat, ImageParams, ImageQuality } from './fields.ts'

/**
 * The Images API's fields about the answer rather than the picture: streaming, the format, the
 * background, the quality, moderation. Every value OpenAI documents is accepted; what is acted
 * on, and how, is in each description (the OpenAPI document shows them).
 */

/** OpenAPI's description of a field; a check, so it applies to the shared schemas as well. */

/** One of `values`, refused in words that list them. */
const oneOf = <const Values extends readonly [string, ...string[]]>(
  values: Values,
  description: string,
) =>
  z
    .enum(values, { error: `must be one of ${values.map((value) => `"${value}"`).join(', ')}` })
    .check(described(description))

const FORMATS = ['png', 'jpeg', 'webp'] as const satisfies readonly ImageFormat[]
const QUALITIES = [
  'low',
  'medium',
  'high',
  'auto',
  'standard',
  'hd',
] as const satisfies readonly ImageQuality[]

export const imageOutputFields = {
  stream: z.nullish(
    booleanSwitch.check(
      described('Answer with server-sent events, a `*.completed` one per image.'),
    ),
  ),
  partial_images: z.nullish(
    integerOrTextIn(0, 3, rangeRule(0, 3)).check(
      described('Accepted; no upstream sends previews.'),
    ),
  ),
  output_format: z.nullish(
    oneOf(FORMATS, 'Only models that give it serve it; no image is converted.'),
  ),
  output_compression: z.nullish(
    integerOrTextIn(0, 100, rangeRule(0, 100)).check(described('Accepted, not acted on.')),
  ),
  background: z.nullish(
    oneOf(['transparent', 'opaque', 'auto'], '`transparent` only on models that can draw it.'),
  ),
  quality: z.nullish(
    oneOf(QUALITIES, 'Without `steps`: `low` half the default steps, `high`/`hd` 1.5 times them.'),
  ),
  moderation: z.nullish(
    oneOf(['low', 'auto'], "Accepted, not acted on: the operator's safety settings hold."),
  ),
}

/** A body that passed `imageOutputFields`, as zod hands it over. */
type OutputInput = {
  [Field in keyof typeof imageOutputFields]?: z.output<(typeof imageOutputFields)[Field]>
}

/** Whether to stream, and what the generation flow is asked of the output. */
export function imageOutput(input: OutputInput): {
  stream: boolean
  image: Pick<ImageParams, 'outputFormat' | 'quality' | 'background'>
} {
  return {
    stream: input.stream ?? false,
    image: {
      outputFormat: input.output_format ?? undefined,
      quality: input.quality ?? undefined,
      background: input.background ?? undefined,
    },
  }
}
