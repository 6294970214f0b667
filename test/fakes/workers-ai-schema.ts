import { sniffImage } from '../../src/image/sniff.ts'
import type { UploadedFile } from './workers-ai.ts'

/**
 * The input rules of each Workers AI text-to-image model, as its schema in cloudflare-docs states
 * them (Cloudflare's model schemas), for the fake to reject what the real API rejects. FLUX.2's
 * `input_image_0` to `input_image_3` are "Binary image" fields; what the API answers for one that
 * is text or not an image is not documented, so those two refusals are worded here.
 */

const MULTIPART_MODELS = /\/flux-2-(klein-4b|klein-9b|dev)$/
const BINARY_MODELS =
  /\/(phoenix-1\.0|stable-diffusion-xl-lightning|stable-diffusion-xl-base-1\.0|dreamshaper-8-lcm)$/
const JSON_MODELS = /\/(flux-1-schnell|lucid-origin)$/

/** True for the models that answer raw image bytes rather than the base64 envelope. */
export const repliesBinary = (model: string) => BINARY_MODELS.test(model)

type Rule = { allowed: string[]; steps?: [string, number]; size?: [number, number] }

const FLUX2_IMAGES = ['input_image_0', 'input_image_1', 'input_image_2', 'input_image_3']

const SD_FIELDS = ['prompt', 'negative_prompt', 'height', 'width', 'num_steps', 'guidance', 'seed']
const RULES: [RegExp, Rule][] = [
  [/flux-1-schnell$/, { allowed: ['prompt', 'steps', 'seed'], steps: ['steps', 8] }],
  [
    /lucid-origin$/,
    {
      allowed: ['prompt', 'guidance', 'seed', 'height', 'width', 'num_steps', 'steps'],
      steps: ['steps', 40],
      size: [0, 2500],
    },
  ],
  [
    /flux-2-klein-(4b|9b)$/,
    {
      allowed: ['prompt', 'guidance', 'seed', 'width', 'height', ...FLUX2_IMAGES],
      size: [256, 1920],
    },
  ],
  [
    /flux-2-dev$/,
    {
      allowed: ['prompt', 'guidance', 'seed', 'width', 'height', 'steps', ...FLUX2_IMAGES],
      steps: ['steps', 50],
      size: [256, 1920],
    },
  ],
  [/phoenix-1\.0$/, { allowed: SD_FIELDS, steps: ['num_steps', 50], size: [0, 2048] }],
  [
    /(stable-diffusion-xl|dreamshaper)/,
    { allowed: SD_FIELDS, steps: ['num_steps', 20], size: [256, 2048] },
  ],
]

/** What the real schema validation would reject, as code 5006 ("Input validation error"). */
export function schemaProblem(
  model: string,
  inputs: Record<string, unknown>,
  multipart: boolean,
  files: Record<string, UploadedFile> = {},
): { code: number; message: string } | null {
  const rule = RULES.find(([pattern]) => pattern.test(model))?.[1]
  if (
    !rule ||
    !(JSON_MODELS.test(model) || MULTIPART_MODELS.test(model) || BINARY_MODELS.test(model))
  ) {
    return { code: 5007, message: `AiError: 5007: No such model ${model} or task` }
  }
  const invalid = (text: string) => ({
    code: 5006,
    message: `AiError: Input validation error: ${text}`,
  })
  if (MULTIPART_MODELS.test(model) !== multipart) {
    return invalid(multipart ? 'expected a JSON body' : 'this model takes multipart/form-data only')
  }
  const prompt = inputs.prompt
  if (typeof prompt !== 'string' || prompt.length < 1 || prompt.length > 2048) {
    return invalid("'/prompt' must be a string of 1 to 2048 characters")
  }
  const names = [...Object.keys(inputs), ...Object.keys(files)]
  const extra = names.find((name) => !rule.allowed.includes(name))
  if (extra) return invalid(`additionalProperties '/${extra}' not allowed`)
  const textImage = FLUX2_IMAGES.find((name) => name in inputs)
  if (textImage) return invalid(`'/${textImage}' must be a binary image`)
  const unreadable = Object.entries(files).find(([, file]) => !sniffImage(file.bytes))
  if (unreadable) return invalid(`'/${unreadable[0]}' is not an image the model can read`)
  const number = (name: string) => (inputs[name] === undefined ? undefined : Number(inputs[name]))
  if (rule.steps) {
    const steps = number(rule.steps[0])
    if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= rule.steps[1])) {
      return invalid(`'/${rule.steps[0]}' must be an integer from 1 to ${rule.steps[1]}`)
    }
  }
  for (const side of ['width', 'height']) {
    const value = number(side)
    if (value !== undefined && rule.size && !(value >= rule.size[0] && value <= rule.size[1])) {
      return invalid(`'/${side}' must be from ${rule.size[0]} to ${rule.size[1]}`)
    }
  }
  return null
}
