import type { ReplyLanguage } from '../config.ts'
import { parsePromptOptions } from '../prompt/options.ts'
import { type ChatMessage, messageText } from './messages.ts'
import { fill, REPLY_STRINGS } from './strings.ts'

/**
 * Housekeeping prompts: chat clients ask their chat model for titles, summaries, tags and
 * follow-ups (their exact wordings are in `__fixtures__/client-wordings.ts`). Sent to an image
 * gateway, each would cost an image; they get a cheap answer built from the prompts already in
 * the conversation instead.
 */
export type HousekeepingKind =
  | 'nextchat-title'
  | 'nextchat-summary'
  | 'chatbox-name'
  | 'openwebui-title'
  | 'openwebui-tags'
  | 'openwebui-follow-ups'
  | 'openwebui-task'

export type HousekeepingTask = {
  kind: HousekeepingKind
  /** The housekeeping prompt itself; Open WebUI and ChatBox embed the history in it. */
  text: string
  /** Its index in `messages`, so it is not mistaken for an image prompt. */
  index: number
}

// NextChat sends these in the UI language; English and Simplified Chinese are the common ones.
const NEXTCHAT_TITLE =
  /^(Please generate a four to five word title summarizing our conversation|使用四到五个字直接返回这句话的简要主题)/i
const NEXTCHAT_SUMMARY =
  /^(Summarize the discussion briefly in 200 words or less|简要总结一下对话内容，用作后续的上下文提示)/i
const CHATBOX_NAME = /^Based on the chat history, give this conversation a (name|title)\b/i
const OPEN_WEBUI_TASK = /^### Task:\s*([\s\S]*?)(?:\n###|$)/

function classify(text: string): HousekeepingKind | null {
  if (NEXTCHAT_TITLE.test(text)) return 'nextchat-title'
  if (NEXTCHAT_SUMMARY.test(text)) return 'nextchat-summary'
  if (CHATBOX_NAME.test(text)) return 'chatbox-name'
  const task = OPEN_WEBUI_TASK.exec(text)?.[1]
  if (task === undefined) return null
  // Only the task line is read: the embedded history may mention titles or tags.
  if (/follow-up/i.test(task)) return 'openwebui-follow-ups'
  if (/\btags\b/i.test(task)) return 'openwebui-tags'
  if (/\btitle\b/i.test(task)) return 'openwebui-title'
  return 'openwebui-task'
}

/**
 * Finds a housekeeping prompt in the last message (NextChat sends its summary request as a
 * trailing `system` message) or the last user message; null for a real image prompt.
 */
export function detectHousekeeping(messages: ChatMessage[]): HousekeepingTask | null {
  const candidates = [messages.length - 1, messages.findLastIndex((m) => m.role === 'user')]
  for (const index of candidates) {
    if (index < 0) continue
    const text = messageText(messages[index]!.content).trim()
    const kind = classify(text)
    if (kind) return { kind, text, index }
  }
  return null
}

/** Our own replies, repeated in the history, are not prompts. */
const isOurReply = (text: string) => text.startsWith('🎨') || /!\[[^\]]*\]\(/.test(text)

/** Image prompts in the conversation, oldest first, with inline options removed. */
export function historyPrompts(task: HousekeepingTask, messages: ChatMessage[]): string[] {
  let texts: string[]
  const history = /<chat_history>([\s\S]*?)<\/chat_history>/.exec(task.text)?.[1]
  const block = /```\n?([\s\S]*?)\n?```/.exec(task.text)?.[1]
  if (history !== undefined) {
    // Open WebUI renders the history as "USER: ...\nASSISTANT: ..." lines.
    texts = history
      .split(/^(?=(?:USER|ASSISTANT|SYSTEM|TOOL|DEVELOPER): )/m)
      .filter((part) => part.startsWith('USER: '))
      .map((part) => part.slice('USER: '.length))
  } else if (task.kind === 'chatbox-name' && block !== undefined) {
    // ChatBox quotes the first messages, cut to 100 characters, between dashed rules.
    texts = block.split(/\n+-{5,}\n+/).filter((part) => !/^You are\b/i.test(part.trim()))
  } else {
    texts = messages
      .filter((message, index) => message.role === 'user' && index !== task.index)
      .map((message) => messageText(message.content))
  }
  return texts
    .map((text) => text.trim())
    .filter((text) => text && !isOurReply(text) && !classify(text))
    .map(withoutOptions)
    .filter(Boolean)
}

function withoutOptions(text: string): string {
  try {
    return parsePromptOptions(text).prompt.replace(/\s+/g, ' ')
  } catch {
    return text.replace(/\s+/g, ' ')
  }
}

/** The first few words of a prompt, capitalised, without trailing punctuation. */
export function titleFrom(prompt: string, maxWords = 5): string {
  const words = prompt.split(' ').slice(0, maxWords).join(' ')
  const title = words.replace(/[\s.,;:!?'"“”«»。，！？]+$/u, '')
  return title.charAt(0).toUpperCase() + title.slice(1)
}

/** The answer text: plain for NextChat and ChatBox, JSON where Open WebUI parses JSON. */
export function answerHousekeeping(
  task: HousekeepingTask,
  messages: ChatMessage[],
  language: ReplyLanguage,
): string {
  const strings = REPLY_STRINGS[language]
  const prompts = historyPrompts(task, messages)
  const latest = prompts.at(-1)
  const title = latest ? titleFrom(latest) : strings.untitled
  switch (task.kind) {
    case 'nextchat-title':
      return title
    case 'chatbox-name':
      return latest ? titleFrom(latest, 3) : strings.untitled
    case 'nextchat-summary': {
      const recent = prompts.slice(-5).map((prompt) => `"${prompt}"`)
      return recent.length ? fill(strings.summary, { prompts: recent.join('; ') }) : title
    }
    case 'openwebui-title':
      return JSON.stringify({ title: `🎨 ${title}` })
    case 'openwebui-tags':
      return JSON.stringify({ tags: ['Arts', 'Image Generation'] })
    case 'openwebui-follow-ups':
      // Full prompts, not questions: history is not used, so "make it wider" would draw nonsense.
      return JSON.stringify({
        follow_ups: latest
          ? [`${latest} 16:9`, `${latest} 9:16`, `${latest}, watercolor style`]
          : [],
      })
    case 'openwebui-task':
      return otherTask(task.text, latest)
  }
}

/** Open WebUI's other tasks, answered in the JSON shape each one parses. */
function otherTask(text: string, latest: string | undefined): string {
  const task = OPEN_WEBUI_TASK.exec(text)?.[1] ?? ''
  if (/quer(y|ies)/i.test(task)) return JSON.stringify({ queries: [] })
  if (/autocomplet/i.test(task)) return JSON.stringify({ text: '' })
  if (/image/i.test(task) && latest) return JSON.stringify({ prompt: latest })
  return '{}'
}
