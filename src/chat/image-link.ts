import { encodeBase64 } from '../bytes/base64.ts'
import type { GeneratedRecord } from '../generate/index.ts'
import { inertText } from './markdown.ts'

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
  return `data:${image.contentType};base64,${encodeBase64(image.bytes)}`
}

/** A reply's image: its alt text, its link (see imageLink) and its own size. */
export function replyImage(
  image: GeneratedRecord,
  alt: string,
  options: { origin: string; format: 'url' | 'data_uri' },
) {
  return { alt, url: imageLink(image, options), size: { width: image.width, height: image.height } }
}

/**
 * An image whose alt text is `alt`, inert. The URL is the gateway's own (or a `data:` URI);
 * characters that would end or break a link destination are percent-encoded anyway.
 */
export function imageMarkdown(alt: string, url: string): string {
  const destination = url
    .replace(/[\s<>]/g, (character) => encodeURIComponent(character))
    .replace(/[()]/g, (bracket) => (bracket === '(' ? '%28' : '%29'))
  return `![${inertText(alt)}](${destination})`
}
