import type * as z from 'zod/mini'
import { badRequest } from '../errors.ts'
import { parseRatio, sizeForRatio } from '../request/aspect-ratio.ts'
import {
  isSide,
  modelId,
  negativePromptText,
  seedText,
  stepsText,
} from '../request/field-schemas.ts'
import type { ImageParams } from '../request/fields.ts'
import { parseRequest } from '../request/request-error.ts'

/**
 * Inline options in a chat prompt, parsed out and removed before generation: a chat client has no
 * size or seed field, so the prompt text is the only place a person can ask for one.
 *
 * Recognised, in order of precedence for the size:
 * 1. an explicit size `1024x768` (also `1024×768`): a standalone token anywhere, both sides
 *    MIN_SIDE-MAX_SIDE (request/fields.ts) with no leading zero;
 * 2. `--ar W:H` (or `--aspect W:H`);
 * 3. a bare ratio `W:H`, Flux-API-Worker's form (`A cute cat 16:9`). To leave times alone
 *    ("at 10:30", "a clock showing 9:05") a bare ratio must be the LAST word of the prompt (flags
 *    aside), both numbers 1-32 with no leading zero, and not follow a time word (at, by, until,
 *    ...).
 * Other flags: `--seed N`, `--steps N`, `--model id`, `--no a, b` (negative prompt: it runs to
 * the next flag or the end), and the switch `--edit` (edit the image of the gateway's latest
 * reply; it takes no value). Flags are case-insensitive, take `--flag value` or `--flag=value`,
 * and also start with an em dash, which phones substitute for `--`. Unknown `--words` stay in
 * the prompt. A flag with a bad value is a 400, so nobody pays for an image they did not ask for.
 */
export type InlineOptions = Pick<
  ImageParams,
  'width' | 'height' | 'steps' | 'negativePrompt' | 'model'
> & {
  /** The prompt with every recognised option removed and spacing tidied. */
  prompt: string
  /** The ratio as written (`16:9`), when the size came from one. */
  ratio?: string
  /** A key whenever the prompt has `--seed`; undefined for `--seed -1` (a random seed). */
  seed?: number
  /** `--edit`: edit the images of the conversation's latest reply from this gateway. */
  edit?: true
}

const FLAG = /(^|\s)(?:--|\u2014)(ar|aspect|seed|steps|model|no|edit)(?=[\s=]|$)/gi
const SIZE = /^([1-9]\d{1,3})[x\u00d7]([1-9]\d{1,3})$/i
const TIME_WORDS = new Set([
  'at',
  'by',
  'until',
  'till',
  'til',
  'from',
  'to',
  'around',
  'about',
  'before',
  'after',
  'since',
  'showing',
  'reads',
  'reading',
  '@',
])

/** Splits the text into prompt parts and flag values. */
function extractFlags(text: string): { rest: string; flags: Map<string, string> } {
  const matches = [...text.matchAll(FLAG)]
  const flags = new Map<string, string>()
  let rest = text.slice(0, matches[0]?.index ?? text.length)
  matches.forEach((match, index) => {
    const name = match[2]!.toLowerCase()
    const start = match.index + match[0].length
    const end = matches[index + 1]?.index ?? text.length
    if (name === 'edit') {
      // A switch: what follows it is prompt, so `--edit=2` cannot mean anything but a mistake.
      if (text[start] === '=') throw badRequest('--edit takes no value.')
      flags.set(name, '')
      rest += ` ${text.slice(start, end)}`
      return
    }
    const region = text.slice(start, end).replace(/^\s*=?\s*/, '')
    if (name === 'no') {
      flags.set(name, region.trim().replace(/^[,;\s]+|[,;\s]+$/g, ''))
      return
    }
    const value = /^\S*/.exec(region)![0]
    flags.set(name === 'aspect' ? 'ar' : name, value)
    rest += ` ${region.slice(value.length)}`
  })
  for (const [name, value] of flags) {
    if (!value && name !== 'edit') throw badRequest(`--${name} needs a value.`)
  }
  return { rest, flags }
}

/**
 * The inline options of a prompt to draw: a prompt that is nothing but options is a 400 naming
 * `param`, the request field the prompt came from.
 */
export function drawablePrompt(text: string, param: string): InlineOptions {
  const parsed = parsePromptOptions(text)
  if (!parsed.prompt) {
    throw badRequest(
      'The prompt is empty once its options (size, ratio, --flags) are taken out.',
      param,
    )
  }
  return parsed
}

/** Parses and removes inline options; throws a 400 GatewayError for a flag with a bad value. */
export function parsePromptOptions(text: string): InlineOptions {
  const { rest, flags } = extractFlags(text)
  const options: Omit<InlineOptions, 'prompt'> = {}
  // Odd entries are the whitespace between words, kept so line breaks survive.
  const parts = rest.split(/(\s+)/)
  const wordIndexes = parts.flatMap((part, index) => (index % 2 === 0 && part ? [index] : []))

  const sizeIndex = wordIndexes.find((index) => SIZE.test(parts[index]!))
  if (sizeIndex !== undefined) {
    const [, width, height] = SIZE.exec(parts[sizeIndex]!)!.map(Number)
    if (isSide(width!) && isSide(height!)) {
      Object.assign(options, { width, height })
      parts[sizeIndex] = ''
    }
  }

  const ar = flags.get('ar')
  const last = wordIndexes.filter((index) => parts[index]).at(-1)
  if (ar !== undefined) {
    const ratio = parseRatio(ar)
    if (!ratio) throw badRequest(`--ar expects a ratio like 16:9 (each side 1-32), got "${ar}".`)
    if (options.width === undefined) Object.assign(options, sizeForRatio(ratio.w, ratio.h))
    options.ratio = ar
  } else if (last !== undefined) {
    const ratio = parseRatio(parts[last]!)
    const before = wordIndexes.filter((index) => index < last && parts[index]).at(-1)
    const previous = before === undefined ? '' : parts[before]!.toLowerCase()
    if (ratio && !TIME_WORDS.has(previous)) {
      if (options.width === undefined) {
        Object.assign(options, sizeForRatio(ratio.w, ratio.h), { ratio: parts[last] })
      }
      parts[last] = ''
    }
  }

  // The rules of the other doors' `seed`, `steps`, `model` and `negative_prompt` fields
  // (`--seed -1` is a random seed, as everywhere).
  const flag = <Schema extends z.ZodMiniType>(name: string, schema: Schema) => {
    const value = flags.get(name)
    return value === undefined ? undefined : parseRequest(schema, value, { name: `--${name}` })
  }
  // Present even for `--seed -1`, so a random seed asked for here wins over a body's seed.
  if (flags.has('seed')) options.seed = flag('seed', seedText)
  const steps = flag('steps', stepsText)
  if (steps !== undefined) options.steps = steps
  const model = flag('model', modelId)
  if (model !== undefined) options.model = model
  const negative = flag('no', negativePromptText)
  if (negative) options.negativePrompt = negative
  if (flags.has('edit')) options.edit = true

  return { prompt: tidy(parts.join('')), ...options }
}

/** Collapses the gaps left by removed options, keeping line breaks, and drops dangling commas. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .replace(/\s*[,;]+$/, '')
    .trim()
}
