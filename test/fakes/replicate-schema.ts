import { ASPECT_RATIOS } from '../../src/providers/aspect-ratio.ts'
import { readImageField } from './input-images.ts'

/**
 * The input schemas of Replicate's official FLUX models, as the fake checks them (the models'
 * API pages on replicate.com): FLUX.1 and Kontext take an `aspect_ratio` from a list; Kontext
 * adds `input_image` (and `match_input_image`); FLUX.2 takes `input_images` and `custom` sizes
 * (no 21:9); Fill takes `image` and a `mask` of its size. Unknown fields are refused, as
 * Replicate's validation does ("Additional property is not allowed").
 */

/** FLUX.1's list is the one the gateway itself picks from. */
const FLUX1_RATIOS: string[] = [...ASPECT_RATIOS]
const KONTEXT_RATIOS = [...FLUX1_RATIOS, '2:1', '1:2', 'match_input_image']
const FLUX2_RATIOS = ['1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16']
const FLUX2_RATIO_CHOICES = [...FLUX2_RATIOS, 'custom', 'match_input_image']

type Family = 'flux1' | 'kontext' | 'flux2' | 'fill'

export const familyOf = (model: string): Family =>
  model.includes('flux-kontext')
    ? 'kontext'
    : model.includes('flux-2-')
      ? 'flux2'
      : model.endsWith('flux-fill-pro')
        ? 'fill'
        : 'flux1'

/** Fields each family has besides prompt, seed and the output settings. */
const FIELDS: Record<Family, string[]> = {
  flux1: ['aspect_ratio', 'num_outputs', 'num_inference_steps', 'disable_safety_checker'],
  kontext: ['aspect_ratio', 'input_image', 'num_inference_steps', 'disable_safety_checker'],
  flux2: ['aspect_ratio', 'input_images', 'width', 'height', 'steps'],
  fill: ['image', 'mask', 'steps'],
}
const COMMON = ['prompt', 'seed', 'output_format', 'output_quality', 'safety_tolerance']

/** Steps fields by model: [field, max]. */
function stepsOf(model: string): [string, number, number] | null {
  if (model.endsWith('flux-schnell')) return ['num_inference_steps', 1, 4]
  if (model.endsWith('flux-dev')) return ['num_inference_steps', 1, 50]
  if (model.endsWith('flux-kontext-dev')) return ['num_inference_steps', 4, 50]
  if (model.endsWith('flux-2-flex') || model.endsWith('flux-fill-pro')) return ['steps', 1, 50]
  return null
}

const MAX_REFERENCES: Record<string, number> = { 'flux-2-flex': 10 }

export type Problem = { field: string; description: string }

/** The FLUX schemas' checks on the fields this gateway sends. */
export function validate(model: string, input: Record<string, unknown>): Problem[] {
  const problems: Problem[] = []
  const problem = (field: string, description: string) =>
    problems.push({ field: `input.${field}`, description: `input.${field}: ${description}` })
  const family = familyOf(model)
  for (const field of Object.keys(input)) {
    if (!COMMON.includes(field) && !FIELDS[family].includes(field))
      problem(field, 'Additional property is not allowed')
  }
  if (typeof input.prompt !== 'string') problem('prompt', 'Invalid type. Expected: string')
  const ratios =
    family === 'kontext' ? KONTEXT_RATIOS : family === 'flux2' ? FLUX2_RATIO_CHOICES : FLUX1_RATIOS
  if (family !== 'fill' && !ratios.includes(String(input.aspect_ratio ?? '1:1')))
    problem('aspect_ratio', `input.aspect_ratio must be one of the following: ${ratios.join(', ')}`)
  for (const field of ['width', 'height']) {
    const value = input[field]
    if (value === undefined || family !== 'flux2') continue
    if (input.aspect_ratio !== 'custom') problem(field, 'is only used when aspect_ratio=custom')
    else if (typeof value !== 'number' || value < 256 || value > 2048)
      problem(field, 'Must be between 256 and 2048')
  }
  const steps = stepsOf(model)
  for (const field of ['num_inference_steps', 'steps']) {
    const value = input[field]
    if (value === undefined) continue
    if (!steps || steps[0] !== field) problem(field, 'Additional property is not allowed')
    else if (Number(value) < steps[1] || Number(value) > steps[2])
      problem(field, `Must be between ${steps[1]} and ${steps[2]}`)
  }
  if (!['webp', 'jpg', 'png', undefined].includes(input.output_format as string))
    problem('output_format', 'must be one of webp, jpg, png')
  problems.push(...validateImages(model, family, input))
  return problems
}

function validateImages(model: string, family: Family, input: Record<string, unknown>): Problem[] {
  const problems: Problem[] = []
  const check = (field: string, value: unknown) => {
    const image = readImageField(value, { dataUri: true, url: true })
    if (!image.ok)
      problems.push({ field: `input.${field}`, description: `input.${field}: ${image.reason}` })
    return image
  }
  if (input.input_image !== undefined) check('input_image', input.input_image)
  else if (model.endsWith('flux-kontext-dev'))
    problems.push({ field: 'input.input_image', description: 'input.input_image is required' })
  if (input.input_images !== undefined) {
    const list = Array.isArray(input.input_images) ? input.input_images : []
    const max = MAX_REFERENCES[model.split('/')[1]!] ?? 8
    if (!Array.isArray(input.input_images) || list.length > max)
      problems.push({
        field: 'input.input_images',
        description: `input.input_images: Array must have at most ${max} items`,
      })
    for (const [index, value] of list.entries()) check(`input_images.${index}`, value)
  }
  if (family === 'fill') {
    const image = check('image', input.image)
    const mask = input.mask === undefined ? null : check('mask', input.mask)
    const size = (read: typeof image) => (read.ok ? `${read.info?.width}x${read.info?.height}` : '')
    if (mask?.ok && image.ok && size(mask) !== size(image))
      problems.push({
        field: 'input.mask',
        description: 'input.mask: Must have the same size as image',
      })
  }
  return problems
}

/** The size a prediction's image comes out at. */
export function outputSize(input: Record<string, unknown>): { width: number; height: number } {
  const first = readImageField(
    (input.input_images as unknown[] | undefined)?.[0] ?? input.input_image ?? input.image,
    { dataUri: true },
  )
  const ratio = String(input.aspect_ratio ?? '1:1')
  if (ratio === 'custom') return { width: Number(input.width), height: Number(input.height) }
  if ((ratio === 'match_input_image' || input.image) && first.ok && first.info) {
    return { width: first.info.width, height: first.info.height }
  }
  const [w, h] = (ratio.includes(':') ? ratio : '1:1').split(':').map(Number) as [number, number]
  // 1 MP at each ratio (what flux-schnell produces), rounded to 16.
  const height = Math.round(Math.sqrt((1024 * 1024 * h) / w) / 16) * 16
  return { width: Math.round((height * w) / h / 16) * 16, height }
}

/** The open FLUX.1 models answer a list of URLs; every other model one URL. */
export const listsOutputs = (model: string) =>
  model.endsWith('flux-schnell') || model.endsWith('flux-dev')
