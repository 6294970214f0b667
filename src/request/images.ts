import * as z from 'zod/mini'
import {
  described,
  imageCount,
  imageSize,
  modelId,
  negativePromptText,
  optimizationSwitch,
  promptText,
  seedNumber,
  stepsNumber,
} from './field-schemas.ts'
import type { ImageParams } from './fields.ts'
import { imageOutput, imageOutputFields } from './image-output.ts'
import { parseRequest } from './request-error.ts'

/** `null` is how many clients say "not given". */
const absentOr = <Schema extends z.ZodMiniType>(schema: Schema) => z.nullish(schema)

/**
 * The request body of `POST /v1/images/generations`: OpenAI's fields plus the SiliconFlow /
 * Cherry Studio aliases. Unknown fields (`style`, `user`, `guidance_scale`, ...) are stripped,
 * so clients that send extras are never refused for them.
 */
export const imagesBody = z.object({
  prompt: promptText.check(described('What to draw.')),
  model: absentOr(modelId),
  n: absentOr(imageCount).check(described('Images to generate (default 1).')),
  batch_size: absentOr(imageCount).check(described('Alias of `n`.')),
  size: absentOr(imageSize),
  image_size: absentOr(imageSize).check(described('Alias of `size`.')),
  response_format: absentOr(
    z.enum(['url', 'b64_json'], { error: 'must be "url" or "b64_json"' }),
  ).check(described('Absent: each image carries both `url` and `b64_json`.')),
  seed: absentOr(seedNumber),
  steps: absentOr(stepsNumber),
  num_inference_steps: absentOr(stepsNumber).check(described('Alias of `steps`.')),
  negative_prompt: absentOr(negativePromptText),
  optimization: absentOr(optimizationSwitch),
  ...imageOutputFields,
})

export type ImagesResponseFormat = 'url' | 'b64_json' | 'both'

/** What the Images API asks for: the shared parameters plus this door's own two. */
export type ImagesCall = {
  image: ImageParams
  optimize: boolean
  /** Absent in the request: answer with both `url` and `b64_json`. */
  responseFormat: ImagesResponseFormat
  /** Answer with server-sent events (always `b64_json`). */
  stream: boolean
}

/** Validates a body, or throws a 400 naming the field at fault as the client spelled it. */
export function parseImagesBody(body: unknown): ImagesCall {
  return imagesCall(parseRequest(imagesBody, body))
}

/** The call a checked body asks for; the edit doors extend the body and reuse this. */
export function imagesCall(input: z.output<typeof imagesBody>): ImagesCall {
  const size = input.size ?? input.image_size
  const output = imageOutput(input)
  return {
    image: {
      ...output.image,
      prompt: input.prompt,
      negativePrompt: input.negative_prompt ?? undefined,
      ...size,
      n: input.n ?? input.batch_size ?? 1,
      steps: input.steps ?? input.num_inference_steps ?? undefined,
      seed: input.seed ?? undefined,
      model: input.model ?? undefined,
    },
    optimize: input.optimization ?? false,
    responseFormat: input.response_format ?? 'both',
    stream: output.stream,
  }
}
