import { readImageField } from './input-images.ts'

/**
 * What the fake fal checks in a call's input, per endpoint (the models' llms.txt pages on
 * fal.ai): FLUX.1 sizes and steps; Kontext's `aspect_ratio` list and `image_url` / `image_urls`
 * at its text, edit and multi endpoints; FLUX.2's `image_urls` at `/edit`; Fill's required
 * `image_url` and `mask_url` of one size. Problems come back as fal's FastAPI-style details;
 * an image that does not load is `image_load_error` (the type fal's errors page lists).
 */

export type Input = Record<string, unknown> & { image_size?: { width?: number; height?: number } }
export type Problem = { loc: string[]; msg: string; type: string }

/** num_inference_steps ranges per endpoint (the models' pages). */
const MAX_STEPS: Record<string, number> = {
  'fal-ai/flux/schnell': 12,
  'fal-ai/flux/dev': 50,
  'fal-ai/flux-2-flex': 50,
  'fal-ai/flux-2-flex/edit': 50,
}
const KONTEXT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21']

/** Which image fields an endpoint takes: [field, most images]. */
function imageFields(endpoint: string): Record<string, number> {
  if (/^fal-ai\/flux-pro\/kontext(\/max)?$/.test(endpoint)) return { image_url: 1 }
  if (endpoint.startsWith('fal-ai/flux-pro/kontext') && endpoint.endsWith('/multi'))
    return { image_urls: 4 }
  if (/^fal-ai\/flux-2-(pro|max|flex)\/edit$/.test(endpoint)) return { image_urls: 8 }
  if (endpoint === 'fal-ai/flux-pro/v1/fill') return { image_url: 1, mask_url: 1 }
  return {}
}

const isKontext = (endpoint: string) => endpoint.startsWith('fal-ai/flux-pro/kontext')
const isFill = (endpoint: string) => endpoint === 'fal-ai/flux-pro/v1/fill'

export function validate(endpoint: string, body: Input): Problem[] {
  const problems: Problem[] = []
  const problem = (field: string, msg: string, type: string) =>
    problems.push({ loc: ['body', field], msg, type })
  if (typeof body.prompt !== 'string' || !body.prompt)
    problem('prompt', 'Field required', 'missing')
  const steps = body.num_inference_steps
  const maxSteps = MAX_STEPS[endpoint]
  if (
    steps !== undefined &&
    (!maxSteps || typeof steps !== 'number' || steps < 1 || steps > maxSteps)
  )
    problem(
      'num_inference_steps',
      maxSteps
        ? `Input should be less than or equal to ${maxSteps}`
        : 'Extra inputs are not permitted',
      maxSteps ? 'less_than_equal' : 'extra_forbidden',
    )
  if (body.image_size !== undefined && (isKontext(endpoint) || isFill(endpoint)))
    problem('image_size', 'Extra inputs are not permitted', 'extra_forbidden')
  else if (body.image_size !== undefined && typeof body.image_size !== 'object')
    problem('image_size', 'Input should be a valid dictionary', 'dict_type')
  if (body.aspect_ratio !== undefined && !KONTEXT_RATIOS.includes(String(body.aspect_ratio)))
    problem('aspect_ratio', `Input should be ${KONTEXT_RATIOS.join(', ')}`, 'enum')
  if (body.width !== undefined || body.height !== undefined)
    problem('width', 'Extra inputs are not permitted', 'extra_forbidden')
  problems.push(...validateImages(endpoint, body))
  return problems
}

function validateImages(endpoint: string, body: Input): Problem[] {
  const problems: Problem[] = []
  const allowed = imageFields(endpoint)
  const sizes: string[] = []
  for (const field of ['image_url', 'image_urls', 'mask_url']) {
    const value = body[field]
    const most = allowed[field]
    if (value === undefined) {
      if (most && field !== 'image_urls')
        problems.push({ loc: ['body', field], msg: 'Field required', type: 'missing' })
      continue
    }
    if (!most) {
      problems.push({
        loc: ['body', field],
        msg: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
      })
      continue
    }
    const list = field === 'image_urls' ? (Array.isArray(value) ? value : [null]) : [value]
    if (list.length > most)
      problems.push({
        loc: ['body', field],
        msg: `List should have at most ${most} items`,
        type: 'too_long',
      })
    for (const [index, item] of list.entries()) {
      const image = readImageField(item, { dataUri: true, url: true })
      if (!image.ok)
        problems.push({
          loc: ['body', field, ...(field === 'image_urls' ? [String(index)] : [])],
          msg: 'Failed to load the image. Please ensure the image file is not corrupted and is in a supported format.',
          type: 'image_load_error',
        })
      else if (image.info) sizes.push(`${image.info.width}x${image.info.height}`)
    }
  }
  if (isFill(endpoint) && sizes.length === 2 && sizes[0] !== sizes[1])
    problems.push({
      loc: ['body', 'mask_url'],
      msg: 'The mask needs to match the dimensions of the input image.',
      type: 'value_error',
    })
  return problems
}

/** The size an output image comes out at: the size asked, the ratio at 1 MP, or the input's. */
export function outputSize(body: Input): { width: number; height: number } {
  if (body.image_size?.width && body.image_size.height) {
    return { width: body.image_size.width, height: body.image_size.height }
  }
  if (body.aspect_ratio) {
    const [w, h] = String(body.aspect_ratio).split(':').map(Number) as [number, number]
    const height = Math.round(Math.sqrt((1024 * 1024 * h) / w) / 16) * 16
    return { width: Math.round((height * w) / h / 16) * 16, height }
  }
  const first = readImageField(body.image_url ?? (body.image_urls as unknown[] | undefined)?.[0], {
    dataUri: true,
  })
  if (first.ok && first.info) return { width: first.info.width, height: first.info.height }
  return { width: 1024, height: 768 }
}
