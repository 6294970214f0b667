import type { InputImage } from './types.ts'

/**
 * Input images as multipart/form-data files, for the upstreams that take them so (Workers AI's
 * FLUX.2, OpenAI's `/images/edits`, ComfyUI's `/upload/image`): each part has the image's own
 * content type and a file name whose extension matches it, as a browser upload would.
 */

const EXTENSIONS: Record<InputImage['contentType'], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
}

/** `stem` plus the extension of the image's type: `image-1.png`. */
export const fileName = (image: Pick<InputImage, 'contentType'>, stem: string) =>
  `${stem}.${EXTENSIONS[image.contentType]}`

/** Appends `image` to `form` as the file `field`, named `stem` plus its extension. */
export function appendImage(
  form: FormData,
  field: string,
  image: Pick<InputImage, 'bytes' | 'contentType'>,
  stem: string,
): void {
  const blob = new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.contentType })
  form.append(field, blob, fileName(image, stem))
}
