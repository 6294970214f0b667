import * as z from 'zod/mini'
import { encodeBase64Url } from '../../bytes/base64.ts'
import { callUpstream, readJson, upstreamError } from '../http.ts'
import { appendImage } from '../input-images.ts'
import type { InputImage } from '../types.ts'
import { type ComfyConnection, headers, replyError } from './client.ts'

/**
 * An edit's images in ComfyUI: `POST /upload/image` (multipart `image`, server.py's image_upload)
 * puts a file in its input folder and answers `{name, subfolder, type}`; LoadImage then takes
 * `subfolder/name`. Files are named by their content's digest and overwritten, so editing the
 * same picture again reuses its file instead of adding `name (1).png` copies.
 */

const uploaded = z.object({
  name: z.string().check(z.minLength(1)),
  subfolder: z.optional(z.string()),
})

/** Uploads one image; resolves with the name a LoadImage `image` input takes. */
export async function uploadImage(
  connection: ComfyConnection,
  image: Pick<InputImage, 'bytes' | 'contentType'>,
): Promise<string> {
  const { provider, signal } = connection
  const digest = await crypto.subtle.digest('SHA-256', image.bytes as Uint8Array<ArrayBuffer>)
  const form = new FormData()
  appendImage(
    form,
    'image',
    image,
    `fluxgate-${encodeBase64Url(new Uint8Array(digest)).slice(0, 22)}`,
  )
  form.append('overwrite', 'true')
  const response = await callUpstream(
    provider,
    connection.fetch,
    `${connection.baseUrl}/upload/image`,
    {
      method: 'POST',
      headers: headers(connection.key, false),
      body: form,
      signal,
    },
  )
  if (!response.ok) throw await replyError(connection, response, 'uploading the image')
  const parsed = uploaded.safeParse(await readJson(provider, response, signal))
  if (!parsed.success) {
    throw upstreamError(provider, 'server', 'the /upload/image reply held no file name', {
      status: response.status,
    })
  }
  const { name, subfolder } = parsed.data
  return subfolder ? `${subfolder}/${name}` : name
}
