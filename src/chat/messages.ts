import * as z from 'zod'
import { badRequest } from '../errors.ts'

/**
 * The chat request body: only what the gateway uses is validated; every other field clients send
 * (temperature, tools, n, user, nulls, ...) passes through unread, as OpenAI-compatible servers
 * are expected to accept them.
 */

/** Longest prompt accepted, in characters (UTF-16 units) of the last user message's text. Far
 * above any image model's own limit (providers cut to theirs), low enough that a pasted essay or
 * a data URI pasted as text is refused before it costs anything. */
export const MAX_PROMPT_CHARS = 8192

const part = z.looseObject({ type: z.string(), text: z.string().optional() })
const message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(part), z.null()]).optional(),
})
const chatBody = z.looseObject({
  messages: z.array(message, { error: 'expected an array of {role, content} objects' }),
  // A chat client sends whatever name the user picked; an unusable one falls back to the default.
  model: z
    .unknown()
    .optional()
    .transform((value) => (typeof value === 'string' && value ? value : undefined)),
  stream: z.boolean().nullish(),
  stream_options: z
    .unknown()
    .optional()
    .transform((value) => {
      const include = (value as { include_usage?: unknown } | null)?.include_usage
      return { includeUsage: include === true }
    }),
})

export type ChatMessage = z.infer<typeof message>

export type ChatRequest = {
  messages: ChatMessage[]
  /** The `model` field when it is a non-empty string. */
  model: string | undefined
  stream: boolean
  includeUsage: boolean
}

/** Validates the body; throws a 400 naming the field at fault. */
export function parseChatBody(body: Record<string, unknown>): ChatRequest {
  const result = chatBody.safeParse(body)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const param = issue.path.map(String).join('.')
    const problem = issue.message.replace(/^Invalid input: /, '')
    throw badRequest(param ? `${param}: ${problem}` : problem, param || undefined)
  }
  const { messages, model, stream, stream_options } = result.data
  return {
    messages,
    model,
    stream: stream === true,
    includeUsage: stream_options.includeUsage,
  }
}

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
export function lastUserIndex(messages: ChatMessage[]): number {
  return messages.findLastIndex((item) => item.role === 'user')
}

/**
 * The prompt: the last user message's text, trimmed. Throws a 400 when there is no user message,
 * no text in it, or too much of it.
 */
export function promptOf(messages: ChatMessage[]): string {
  const index = lastUserIndex(messages)
  if (index === -1) {
    throw badRequest('messages must contain a user message: it is the image prompt.', 'messages')
  }
  const prompt = messageText(messages[index]!.content).trim()
  const param = `messages.${index}.content`
  if (!prompt) throw badRequest('The last user message has no text to draw.', param)
  if (prompt.length > MAX_PROMPT_CHARS) {
    throw badRequest(
      `The prompt is ${prompt.length} characters; the limit is ${MAX_PROMPT_CHARS}.`,
      param,
    )
  }
  return prompt
}
