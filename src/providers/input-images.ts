import { encodeBase64 } from '../bytes/base64.ts'
import { GatewayError } from '../errors.ts'
import { fillMask, MAX_MASK_PIXELS } from '../image/mask.ts'
import type { MultipartFile } from './multipart-body.ts'
import type { InputImage } from './types.ts'

/**
 * How providers put an edit's images into their upstream's protocol. The gateway has the bytes
 * (read and sniffed before any provider runs); hosts that take links get `data:` URIs, which
 * every host here documents or accepts, so no image needs a public address of its own. Hosts
 * that take uploads (Workers AI's FLUX.2, OpenAI's `/images/edits`, ComfyUI's `/upload/image`)
 * get multipart files with the image's own type and a name whose extension matches it, as a
 * browser upload would have.
 */

/** `data:image/png;base64,...` for an input image (or a mask made here). */
export const dataUri = (image: Pick<InputImage, 'bytes' | 'contentType'>): string =>
  `data:${image.contentType};base64,${encodeBase64(image.bytes)}`

const EXTENSIONS: Record<InputImage['contentType'], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
}

/** `image` as a file named `stem` plus its type's extension. */
export const imageFile = (
  image: Pick<InputImage, 'bytes' | 'contentType'>,
  stem: string,
): MultipartFile => ({
  bytes: image.bytes,
  filename: `${stem}.${EXTENSIONS[image.contentType]}`,
  type: image.contentType,
})

/** Appends `image` to `form` as the file `field`, named `stem` plus its type's extension. */
export function appendImage(
  form: FormData,
  field: string,
  image: Pick<InputImage, 'bytes' | 'contentType'>,
  stem: string,
): void {
  const { bytes, filename, type } = imageFile(image, stem)
  form.append(field, new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), filename)
}

/** An edit's images for a FLUX.1 Fill host: the image, and its mask in black and white. */
export type FillInputs = { image: InputImage; mask?: Uint8Array }

/**
 * The first image, and the request's mask made into the black-and-white one FLUX.1 Fill wants
 * (white = repaint; see image/mask.ts). No mask means the image's own transparency marks the
 * area, as with OpenAI's edits: hosts that read it themselves get no mask, and for those that
 * `requireMask` it is made from the image. A mask of another size, or one that cannot be read,
 * is the client's to fix: a 400 naming `mask`, raised before the upstream is paid.
 */
export async function fillInputs(
  images: InputImage[],
  mask?: InputImage,
  options: { requireMask?: boolean } = {},
): Promise<FillInputs> {
  const image = images[0]!
  if (!mask && options.requireMask) {
    const own = await fillMask(image.bytes)
    if (!own) {
      throw maskError(
        'This model needs a mask: send one, or a PNG whose transparency marks the area',
      )
    }
    return { image, mask: own }
  }
  if (!mask) return { image }
  if (mask.width !== image.width || mask.height !== image.height) {
    throw maskError(
      `The mask is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}; they must match`,
    )
  }
  const converted = await fillMask(mask.bytes)
  if (!converted) {
    throw maskError(
      `The mask could not be read: send an 8-bit, non-interlaced PNG of at most ${MAX_MASK_PIXELS / 1024 / 1024} megapixels`,
    )
  }
  return { image, mask: converted }
}

const maskError = (message: string) =>
  new GatewayError(400, 'invalid_image', message, { param: 'mask', retryable: false })
