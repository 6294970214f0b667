import type { GeneratedRecord } from '../generate.ts'

/**
 * How a chat reply points at its image: a short absolute URL to `/image/{key}` by default, which
 * every client renders; a `data:` URI with CHAT_IMAGE_FORMAT=data_uri (for clients that block
 * external media, such as SillyTavern) or when there is no storage to serve a URL from.
 */
export function imageLink(
  image: GeneratedRecord,
  options: { origin: string; format: 'url' | 'data_uri' },
): string {
  if (options.format === 'url' && image.key) return `${options.origin}/image/${image.key}`
  return `data:${image.contentType};base64,${base64(image.bytes)}`
}

/** Standard base64, built in slices so a large image does not overflow the argument stack. */
export function base64(bytes: Uint8Array): string {
  let binary = ''
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000))
  }
  return btoa(binary)
}
