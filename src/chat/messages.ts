import { badRequest } from '../errors.ts'
import type { ChatMessage } from '../request/chat.ts'
import { promptText } from '../request/field-schemas.ts'
import { parseRequest } from '../request/request-error.ts'

export type { ChatMessage }

/** A chat message, or a Responses API input item (which may be no message and have no role). */
type MessageLike = { role?: string; content?: ChatMessage['content'] }

/** The text of a message: a string, or its text parts joined (image parts are ignored). */
export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content
    .filter((item) => item.type === 'text' || item.type === 'input_text')
    .map((item) => item.text ?? '')
    .join('\n')
}

/** Index of the last `user` message, or -1. */
export function lastUserIndex(messages: MessageLike[]): number {
  return messages.findLastIndex((item) => item.role === 'user')
}

/**
 * The prompt: the last user message's text, trimmed. Throws a 400 when there is no user message,
 * no text in it, or too much of it. `field` is the request field holding the messages.
 */
export function promptOf(messages: MessageLike[], field = 'messages'): string {
  const index = lastUserIndex(messages)
  if (index === -1) {
    throw badRequest(`${field} must contain a user message: it is the image prompt.`, field)
  }
  const text = messageText(messages[index]!.content)
  const param = `${field}.${index}.content`
  if (!text.trim()) throw badRequest('The last user message has no text to draw.', param)
  // The same length rule, code and wording as the prompt field of the other doors.
  return parseRequest(promptText, text, { param })
}
