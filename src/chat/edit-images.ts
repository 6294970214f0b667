import { GatewayError } from '../errors.ts'
import { IMAGE_PART_TYPES, imagePartLink } from '../request/chat-image.ts'
import { parseRequest } from '../request/request-error.ts'
import { type ChatMessage, messageText } from './messages.ts'

/**
 * The images a chat request edits. The rule, kept cheap and predictable:
 * - the image parts of the last user message, in order, make the request an edit of them;
 * - `--edit` in it adds, first, the images of the most recent assistant message that shows
 *   images from this gateway (its own `/image/{key}` links, which are read from the store, or
 *   images inlined as `data:` URIs, as CHAT_IMAGE_FORMAT=data_uri and `modalities` send them).
 *   Image parts sent with `--edit` come after it, as references.
 * Image parts of earlier messages are never read: each message is a request of its own.
 */

/** An input image named in the conversation, and the field a refusal of it names. */
export type ChatImage = { url: string; param: string }

export function editImages(
  messages: ChatMessage[],
  options: { index: number; edit: boolean; isOwn: (url: string) => boolean },
): ChatImage[] {
  const { index } = options
  const parts = imageParts(messages[index]!, index)
  if (!options.edit) return parts
  const earlier = latestReplyImages(messages.slice(0, index), options.isOwn)
  if (!earlier) {
    throw new GatewayError(
      400,
      'image_required',
      "--edit edits the image of this gateway's latest reply in the conversation, and there is none; attach the image instead.",
      { param: `messages.${index}.content`, retryable: false },
    )
  }
  return [...earlier, ...parts]
}

/** The image parts of the message at `index`, each link checked for its form. */
function imageParts(message: ChatMessage, index: number): ChatImage[] {
  const { content } = message
  if (!Array.isArray(content)) return []
  return content.flatMap((part, position) => {
    if (!IMAGE_PART_TYPES.has(part.type)) return []
    const param = `messages.${index}.content.${position}.image_url`
    return [{ url: parseRequest(imagePartLink, part, { name: param, param }), param }]
  })
}

/** A markdown image's destination (the gateway percent-encodes spaces and brackets in it). */
const MARKDOWN_IMAGE = /!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)/g

/** The gateway's images in the most recent assistant message that shows any, or null. */
function latestReplyImages(
  messages: ChatMessage[],
  isOwn: (url: string) => boolean,
): ChatImage[] | null {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!
    if (message.role !== 'assistant') continue
    const ours = shownImages(message).filter((url) => isOwn(url) || url.startsWith('data:image/'))
    if (ours.length) return [...new Set(ours)].map((url) => ({ url, param: `messages.${index}` }))
  }
  return null
}

/** Every image link a message shows: markdown images, image parts, and OpenRouter's `images`. */
function shownImages(message: ChatMessage): string[] {
  const links = [...messageText(message.content).matchAll(MARKDOWN_IMAGE)].map((m) => m[1]!)
  const parts = [
    ...(Array.isArray(message.content) ? message.content : []),
    ...(Array.isArray(message.images) ? message.images : []),
  ]
  for (const part of parts) {
    if (!IMAGE_PART_TYPES.has(part?.type)) continue
    const link = imagePartLink.safeParse(part)
    if (link.success) links.push(link.data)
  }
  return links
}
