import * as z from 'zod/mini'
import { booleanSwitch, integerOrTextIn, rangeRule } from './field-schemas.ts'
import type { ImageFormat, ImageParams, ImageQuality } from './fields.ts'

/**
 * The Images API's fields about the answer rather than the picture: streaming, the format, the
 * background, the quality, moderation. Every value OpenAI documents is accepted; what is acted
 * on, and how, is in each description (the OpenAPI document shows them).
 */

/** One of `values`, refused in words that list them. */
const oneOf = <const Values extends readonly [string, ...string[]]>(
  values: Values,
  description: string,
) =>
  z
    .enum(values, { error: `must be one of ${values.map((value) => `"${value}"`).join(', ')}` })
    .register(z.globalRegistry, { description })

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
    booleanSwitch.meta({
      description:
        'Answer with server-sent events: `image_generation.completed` (edits: `image_edit.completed`) per image, `error` on a failure.',
    }),
  ),
  partial_images: z.nullish(
    integerOrTextIn(0, 3, rangeRule(0, 3)).meta({
      description:
        'Accepted; no upstream here sends previews, so a stream carries the finished images only.',
    }),
  ),
  output_format: z.nullish(
    oneOf(
      FORMATS,
      "Runs only on models that give this format (no image is converted); refused with 400 when the model cannot. The reply's `output_format` is the format given.",
    ),
  ),
  output_compression: z.nullish(
    integerOrTextIn(0, 100, rangeRule(0, 100)).meta({
      description: 'Accepted, not acted on: upstreams pick their own compression.',
    }),
  ),
  background: z.nullish(
    oneOf(
      ['transparent', 'opaque', 'auto'],
      '`transparent` is refused unless the model can draw one (no FLUX model can).',
    ),
  ),
  quality: z.nullish(
    oneOf(
      QUALITIES,
      'Sets the steps when `steps` is absent: `low` half the default, `high` and `hd` 1.5 times it, the rest the default.',
    ),
  ),
  moderation: z.nullish(
    oneOf(
      ['low', 'auto'],
      "Accepted, not acted on: each upstream keeps the operator's safety setting.",
    ),
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
