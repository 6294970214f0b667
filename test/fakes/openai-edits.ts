import { sniffImage } from '../../src/image/sniff.ts'
import type { Body } from './openai-images.ts'
import type { RecordedRequest } from './server.ts'
import { readForm, type UploadedFile } from './workers-ai.ts'

/**
 * How the fake OpenAI reads `POST /v1/images/edits` (OpenAI's API reference, "Create image
 * edit"): a multipart form with `prompt`, `model` (dall-e-2 when absent), `n`, `size`,
 * `response_format`, the image as `image` or a list as repeated `image[]`, and an optional PNG
 * `mask` the size of the (first) image. GPT image models take up to 16 PNG, JPEG or WebP images;
 * dall-e-2 one square PNG under 4 MB; no other OpenAI model edits. Ids that are not OpenAI's (a
 * self-hosted model, another fluxgate's) are taken as they come. Refusals use OpenAI's error shape;
 * where its exact wording is not documented (dall-e-2's square rule, a mask of another size, a
 * model that cannot edit), the wording here is this fake's.
 */

/** One edit call as read. */
export type EditCall = {
  fields: Body
  /** Which name the images came under. */
  imageField: 'image' | 'image[]'
  images: UploadedFile[]
  mask?: UploadedFile
  /** Text fields beyond the known ones, which a real server would refuse or ignore. */
  unknown: string[]
}

type Problem = { message: string; param: string; code?: string }

const KNOWN = ['model', 'prompt', 'n', 'size', 'response_format']
const TYPES = ['image/png', 'image/jpeg', 'image/webp']
const MB = 1024 * 1024

/** The call, or the 400 OpenAI would answer. */
export async function readEdit(
  request: RecordedRequest,
): Promise<{ call: EditCall } | { problem: Problem }> {
  const contentType = request.headers['content-type'] ?? ''
  if (!contentType.startsWith('multipart/form-data')) {
    return problem('The request body must be multipart/form-data.', 'image')
  }
  const fields: Record<string, string> = {}
  const files: Record<string, UploadedFile[]> = {}
  for (const [name, value] of await readForm(contentType, request.body)) {
    if (typeof value === 'string') fields[name] = value
    else {
      const bytes = new Uint8Array(await value.arrayBuffer())
      files[name] = [...(files[name] ?? []), { name: value.name, type: value.type, bytes }]
    }
  }
  if (!fields.prompt) return problem("Missing required parameter: 'prompt'.", 'prompt')
  const model = fields.model ?? 'dall-e-2'
  const imageField = files['image[]'] ? 'image[]' : 'image'
  const images = files[imageField] ?? []
  const mask = files.mask?.[0]
  if (images.length === 0) return problem("Missing required parameter: 'image'.", 'image')
  if (files.image && files['image[]'])
    return problem("Send 'image' or 'image[]', not both.", 'image')

  const rule = ruleFor(model)
  if (rule === 'none') {
    return problem(`Invalid value: '${model}'. This model does not support image edits.`, 'model')
  }
  const first = sniffImage(images[0]!.bytes)
  if (rule === 'dall-e-2') {
    if (images.length > 1 || imageField !== 'image') {
      return problem('dall-e-2 takes exactly one image, as `image`.', 'image')
    }
    if (first?.contentType !== 'image/png' || images[0]!.bytes.length >= 4 * MB) {
      return problem('Uploaded image must be a PNG and less than 4 MB.', 'image')
    }
    if (first.width !== first.height) return problem('Uploaded image must be square.', 'image')
  }
  if (rule === 'gpt-image') {
    if (images.length > 16) return problem('You can provide up to 16 images.', 'image')
    const bad = images.find((image) => !TYPES.includes(sniffImage(image.bytes)?.contentType ?? ''))
    if (bad) {
      return problem(
        `Invalid image file '${bad.name}'. Supported formats are: 'png', 'webp' and 'jpeg'.`,
        'image',
        'invalid_image_format',
      )
    }
  }
  if (mask) {
    const shape = sniffImage(mask.bytes)
    if (shape?.contentType !== 'image/png') return problem('The mask must be a PNG.', 'mask')
    if (shape.width !== first?.width || shape.height !== first?.height) {
      return problem('The mask must be the same size as the image.', 'mask')
    }
  }
  const unknown = Object.keys(fields).filter((name) => !KNOWN.includes(name))
  const body: Body = { ...fields, model, n: fields.n ? Number(fields.n) : undefined }
  return { call: { fields: body, imageField, images, mask, unknown } }
}

function ruleFor(model: string): 'gpt-image' | 'dall-e-2' | 'none' | 'any' {
  if (/^(chatgpt-)?gpt-image/.test(model)) return 'gpt-image'
  if (model === 'dall-e-2') return 'dall-e-2'
  return /^(dall-e|gpt-)/.test(model) ? 'none' : 'any'
}

const problem = (message: string, param: string, code?: string) => ({
  problem: { message, param, code },
})
