import * as z from 'zod/mini'
import {
  MAX_IMAGES,
  MAX_MODEL_CHARS,
  MAX_NEGATIVE_PROMPT_CHARS,
  MAX_PROMPT_CHARS,
  MAX_SEED,
  MAX_SIDE,
  MAX_STEPS,
  MIN_SIDE,
  RANDOM_SEED,
} from './fields.ts'

/**
 * Zod schemas for the fields every door shares. Messages are predicates ("must be ..."): the
 * door puts its own spelling of the field in front (`seed`, `num_inference_steps`, `--steps`),
 * see request-error.ts. Issues that carry a `code` param are whole sentences, the same on
 * every door, so the same mistake reads the same whichever way it came in.
 */

/** The only string form of a number: no spaces, signs other than `-`, hex, exponents or dots. */
const WHOLE_NUMBER = /^-?\d+$/

/** An integer in [min, max], as a JSON number. */
const integerIn = (min: number, max: number, error: string) =>
  z.int({ error }).check(z.minimum(min, { error }), z.maximum(max, { error }))

/** An integer in [min, max] written as digits (query strings, inline flags). */
const integerTextIn = (min: number, max: number, error: string) =>
  z.pipe(
    z.pipe(
      z.string({ error }).check(
        z.regex(WHOLE_NUMBER, { error }),
        // JSON Schema cannot range-check digits; the rule goes in words.
        z.meta({ description: `Digits; ${error}.` }),
      ),
      z.transform(Number),
    ),
    integerIn(min, max, error),
  )

/** A JSON number, or its string form for form-driven clients; both strictly whole. */
export const integerOrTextIn = (min: number, max: number, error: string) =>
  z.union([integerIn(min, max, error), integerTextIn(min, max, error)], { error })

export const rangeRule = (min: number, max: number) =>
  `must be a whole number from ${min} to ${max}`
const SEED_RULE = `must be ${RANDOM_SEED} (random) or a whole number from 0 to ${MAX_SEED}`

/** Seeds: RANDOM_SEED or 0..MAX_SEED; RANDOM_SEED comes out as `undefined` (a random seed). */
const randomToUndefined = (seed: number) => (seed === RANDOM_SEED ? undefined : seed)
const randomSeed = z.meta({ description: `${RANDOM_SEED} or absent: a random seed.` })
export const seedNumber = z
  .pipe(integerOrTextIn(RANDOM_SEED, MAX_SEED, SEED_RULE), z.transform(randomToUndefined))
  .check(randomSeed)
export const seedText = z
  .pipe(integerTextIn(RANDOM_SEED, MAX_SEED, SEED_RULE), z.transform(randomToUndefined))
  .check(randomSeed)

/** Seeds as a JSON number only, for doors whose callers read a JSON Schema (MCP tools). */
export const seedInteger = z
  .pipe(integerIn(RANDOM_SEED, MAX_SEED, SEED_RULE), z.transform(randomToUndefined))
  .check(randomSeed)
export const imageCount = integerOrTextIn(1, MAX_IMAGES, rangeRule(1, MAX_IMAGES))
export const imageCountInteger = integerIn(1, MAX_IMAGES, rangeRule(1, MAX_IMAGES))
export const stepsNumber = integerOrTextIn(1, MAX_STEPS, rangeRule(1, MAX_STEPS))
export const stepsText = integerTextIn(1, MAX_STEPS, rangeRule(1, MAX_STEPS))
/** One side in pixels, as digits (Pollinations' `width` and `height`). */
export const sideText = integerTextIn(MIN_SIDE, MAX_SIDE, rangeRule(MIN_SIDE, MAX_SIDE))

/** Text fields say "is required" when missing, which is clearer than "must be a string". */
const textError = (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : 'must be a string'

/**
 * Trimmed text with a cap in code points (what a person calls characters, so an emoji counts
 * once). JSON Schema's `maxLength` counts code points too, so the published limit is this one.
 */
const cappedText = (what: string, max: number) =>
  z.string({ error: textError }).check(
    z.trim(),
    (ctx) => {
      const length = Array.from(ctx.value).length
      if (length <= max) return
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        // OpenAI's code for a string over its length limit.
        params: { code: 'string_above_max_length' },
        message: `The ${what} is ${length} characters long; the limit is ${max}.`,
      })
    },
    z.meta({ maxLength: max }),
  )

/** A prompt, trimmed and capped; an empty one is refused with the same code on every door. */
export const promptText = cappedText('prompt', MAX_PROMPT_CHARS).check((ctx) => {
  if (ctx.value) return
  ctx.issues.push({
    code: 'custom',
    input: ctx.value,
    params: { code: 'invalid_prompt' },
    message: 'The prompt is empty.',
  })
})
export const negativePromptText = z
  .pipe(
    cappedText('negative prompt', MAX_NEGATIVE_PROMPT_CHARS),
    z.transform((text) => text || undefined),
  )
  .check(z.meta({ description: 'What the image should not show.' }))

export const modelId = z
  .pipe(
    z
      .string({ error: textError })
      .check(
        z.trim(),
        z.maxLength(MAX_MODEL_CHARS, { error: `must be at most ${MAX_MODEL_CHARS} characters` }),
      ),
    z.transform((id) => id || undefined),
  )
  .check(z.meta({ description: 'A model id from /v1/models; the default model when absent.' }))

/**
 * The model name a conversational client (chat, the Responses API) sends: whatever the person
 * picked. An unusable one (not a string, empty, or longer than any model id) reads as absent,
 * so the default model draws it.
 */
export const pickedModelName = z
  .pipe(
    z.optional(z.unknown()),
    z.transform((value) =>
      typeof value === 'string' && value && value.length <= MAX_MODEL_CHARS ? value : undefined,
    ),
  )
  .check(
    z.meta({
      type: 'string',
      description: 'Any name; one /v1/models does not list draws with the default model.',
    }),
  )

/** `WIDTHxHEIGHT`: `x` is OpenAI's form; `X`, `*` and `×` are typed by people and some APIs. */
const SIZE = /^\s*(\d{1,5})\s*[xX*×]\s*(\d{1,5})\s*$/
const SIZE_RULE = `must be "WIDTHxHEIGHT" with each side from ${MIN_SIDE} to ${MAX_SIDE} (e.g. "1024x768"), or "auto"`

/** A requested size; `auto` (or nothing) leaves it to the model. */
export const imageSize = z
  .pipe(
    z
      .string({ error: SIZE_RULE })
      .check(z.regex(/^\s*(?:auto|\d{1,5}\s*[xX*×]\s*\d{1,5})\s*$/i, { error: SIZE_RULE })),
    z.transform((text, ctx) => {
      const match = SIZE.exec(text)
      if (!match) return undefined
      const width = Number(match[1])
      const height = Number(match[2])
      if (!isSide(width) || !isSide(height)) {
        ctx.issues.push({ code: 'custom', input: text, message: SIZE_RULE })
        return z.NEVER
      }
      return { width, height }
    }),
  )
  .check(
    z.meta({
      description: `"WIDTHxHEIGHT" (e.g. "1024x768"), each side ${MIN_SIDE}-${MAX_SIDE}, or "auto".`,
    }),
  )

/** Whether a side is within the range any door accepts (the model's own range is fitted later). */
export const isSide = (side: number) => side >= MIN_SIDE && side <= MAX_SIDE

/** A yes or no, in every form JSON, forms and URLs send it. */
export const booleanSwitch = z.pipe(
  z.union([z.boolean(), z.literal(0), z.literal(1), z.enum(['0', '1', 'true', 'false'])], {
    error: 'must be true or false (or 1 or 0)',
  }),
  z.transform((value) => value === true || value === 1 || value === '1' || value === 'true'),
)

/** The playground's "optimize the prompt" switch. */
export const optimizationSwitch = booleanSwitch.check(
  z.meta({ description: 'Rewrite the prompt through the prompt LLM first.' }),
)

/** A description for the OpenAPI document, as a check (a copy, so one field can be described twice). */
export const described = (description: string) => z.meta({ description })
