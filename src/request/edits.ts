import * as z from 'zod/mini'
import { englishIssues } from '../issue-messages.ts'
import { isImageKey } from '../storage/keys.ts'
import { type ImageSource, MAX_INPUT_IMAGES } from './fields.ts'
import { type ImagesCall, imagesBody, imagesCall } from './images.ts'
import { requestError } from './request-error.ts'

/**
 * The bodies of the doors that take images: `POST /v1/images/edits` and `/v1/images/variations`,
 * sent as multipart/form-data (OpenAI's shape, with files) or as JSON (with links). The form
 * reader (src/http/form-body.ts) has already made a form a plain object, its file parts
 * `{bytes, filename}` and `image[]` into `image`, so one schema checks both. Every other field
 * is the Images API's (images.ts); OpenAI's `quality`, `background`, `output_format`,
 * `input_fidelity` and `user` are accepted and, like any unknown field, not acted on.
 */

const IMAGE_RULE =
  'must be an image file, an image URL or data: URI, {"image_url": ...} or {"file_id": ...}'

const link = z.string().check(z.trim(), z.minLength(1))

/** A file part of a form, as the form reader hands it over; no JSON value is one. */
export const uploadedFile = z
  .custom<{ bytes: Uint8Array; filename?: string }>(
    (value) => (value as { bytes?: unknown } | null)?.bytes instanceof Uint8Array,
  )
  .check(z.meta({ type: 'string', format: 'binary' }))

/** One input image in every form clients send it, as the source the generation flow reads. */
export const imageReference = z.union(
  [
    uploadedFile,
    z.pipe(
      link,
      z.transform((url): ImageSource => ({ url })),
    ),
    // OpenAI's JSON edits and Pollinations send {image_url: "..."}; chat parts {image_url: {url}}.
    z.pipe(
      z.object({ image_url: z.union([link, z.object({ url: link })]) }),
      z.transform(
        ({ image_url }): ImageSource => ({
          url: typeof image_url === 'string' ? image_url : image_url.url,
        }),
      ),
    ),
    // An upload's id (POST /v1/uploads): its stored image, read from the store.
    z.pipe(
      z.object({ file_id: z.string().check(z.refine(isImageKey)) }),
      z.transform(({ file_id }): ImageSource => ({ url: `/image/${file_id}` })),
    ),
  ],
  { error: IMAGE_RULE },
)

/** One image or a list of them; a form's repeated `image[]` parts arrive as a list. */
const imageList = z
  .pipe(
    z.transform((value) =>
      value == null || Array.isArray(value) ? (value ?? undefined) : [value],
    ),
    z.optional(
      z.array(imageReference).check((ctx) => {
        if (ctx.value.length <= MAX_INPUT_IMAGES) return
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          params: { code: 'too_many_images' },
          message: `At most ${MAX_INPUT_IMAGES} input images are taken; got ${ctx.value.length}.`,
        })
      }),
    ),
  )
  .check(z.meta({ description: `One image, or a list of up to ${MAX_INPUT_IMAGES}.` }))

/** The same refusal on both doors for a request that forgot its image. */
function requireImage(ctx: z.core.ParsePayload<{ image?: unknown; images?: unknown }>) {
  const { image, images } = ctx.value
  if ((Array.isArray(image) && image.length) || (Array.isArray(images) && images.length)) return
  if (image && !Array.isArray(image)) return
  ctx.issues.push({
    code: 'custom',
    input: image,
    path: ['image'],
    params: { code: 'image_required' },
    message: 'This request edits an image: send one as `image` (a file, or a link in JSON).',
  })
}

export const editsBody = z
  .extend(imagesBody, {
    image: imageList,
    images: imageList.check(z.meta({ description: "OpenAI's JSON name for `image`." })),
    mask: z
      .nullish(imageReference)
      .check(
        z.meta({ description: 'A PNG: its transparent pixels may change in the first image.' }),
      ),
  })
  .check(requireImage)

/** What `/v1/images/variations` asks an edit-capable model for. */
export const VARIATION_PROMPT =
  'A variation of this image: the same subject, style and colours in a new composition.'

export const variationsBody = z
  .extend(z.omit(imagesBody, { prompt: true, negative_prompt: true }), {
    image: z.optional(imageReference),
  })
  .check(requireImage)

/** Parses `body`, naming a bad image in a list as a person counts it: `image 2`. */
function parseNamingImages<Schema extends z.ZodMiniType>(schema: Schema, body: unknown) {
  const result = schema.safeParse(body, { error: englishIssues })
  if (result.success) return result.data as z.output<Schema>
  const [field, index] = result.error.issues[0]!.path
  const naming =
    typeof index === 'number' ? { name: `${String(field)} ${index + 1}`, param: String(field) } : {}
  throw requestError(result.error, naming)
}

/** Validates an edit, or throws a 400 naming the field at fault. */
export function parseEditsBody(body: unknown): ImagesCall {
  const input = parseNamingImages(editsBody, body)
  const call = imagesCall(input)
  const images = [...(input.image ?? []), ...(input.images ?? [])]
  return { ...call, image: { ...call.image, images, mask: input.mask ?? undefined } }
}

/** Validates a variation: one image, no prompt (VARIATION_PROMPT stands in for it). */
export function parseVariationsBody(body: unknown): ImagesCall {
  const { image, ...input } = parseNamingImages(variationsBody, body)
  const call = imagesCall({ ...input, prompt: VARIATION_PROMPT, negative_prompt: undefined })
  return { ...call, image: { ...call.image, images: image ? [image] : [] } }
}
