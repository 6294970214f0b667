import {
  type EventSource,
  type EventStreamOptions,
  events,
  readableEvents,
} from '../http/event-stream.ts'
import { type ChunkDelta, type CompletionMeta, chunk, usageChunk, usageOf } from './completion.ts'

/**
 * The chat stream in the order OpenAI's SDKs and the chat clients expect, as raw SSE bytes: a role
 * chunk at once, content chunks as `produce` emits text, `: keep-alive` comments while it waits,
 * then a stop chunk, the usage chunk (only when asked for), and `data: [DONE]`. Never `event:`
 * lines: OpenAI's SDK mis-delivers them.
 *
 * A failure after the headers went out is told twice. First as text in `delta.content`, which is
 * all some chat apps show (NextChat ignores error objects). Then as OpenAI's error body
 * `{error: {...}}` in a chunk of its own with no `choices`, followed by `data: [DONE]` and no stop
 * chunk: OpenAI's SDKs throw an APIError on it, the AI SDK reports an error part and finishes
 * with reason "error", Open WebUI shows it as the message's error (it reads `error` only in a
 * chunk without choices), and SillyTavern shows it in a toast.
 */

// Where they were first defined; the doors that stream share them from http/event-stream.ts.

export type ChatStreamOptions = EventStreamOptions & {
  meta: CompletionMeta
  /** The prompt text, for the usage estimate. */
  prompt: string
  includeUsage: boolean
  /** A failure after the stream began: readable text, and OpenAI's error body. */
  describeError: (error: unknown) => { text: string; body: { error: object } }
}

/** Sends text as one content chunk, or a whole delta (images). */
export type Emit = (content: string | ChunkDelta) => void

/** The chat stream as a web stream, started at once (see `chatEvents`). */
export function chatStream(
  options: ChatStreamOptions,
  produce: (emit: Emit, signal: AbortSignal) => Promise<void>,
): ReadableStream<Uint8Array> {
  return readableEvents(chatEvents(options, produce))
}

/**
 * The chat stream, run once it is started (http/event-response.ts). `produce` gets an emitter
 * and a signal that aborts when the client goes away, which it must pass on to generation.
 */
export function chatEvents(
  options: ChatStreamOptions,
  produce: (emit: Emit, signal: AbortSignal) => Promise<void>,
): EventSource {
  return events(options, async (send, signal) => {
    let content = ''
    const emit: Emit = (sent) => {
      const delta = typeof sent === 'string' ? { content: sent } : sent
      if (!delta.content && !delta.images) return
      content += delta.content ?? ''
      send(chunk(options.meta, delta))
    }
    // Before anything is awaited, so the role chunk reaches the client at once.
    send(chunk(options.meta, { role: 'assistant', content: '' }))
    try {
      await produce(emit, signal)
      send(chunk(options.meta, {}, 'stop'))
      if (options.includeUsage) send(usageChunk(options.meta, usageOf(options.prompt, content)))
    } catch (error) {
      const { text, body } = options.describeError(error)
      emit(`\n${text}`)
      send(body)
    }
    send('[DONE]')
  })
}
