import { type EventSource, type EventStreamOptions, events } from '../http/event-stream.ts'
import {
  type imageCallItem,
  messageItem,
  newItemId,
  type OutputItem,
  outputText,
  pendingImageCall,
  type ResponseMeta,
  type ResponseState,
  responseObject,
  responsesUsage,
} from './objects.ts'

/**
 * The Responses API stream in OpenAI's documented order, each event an `event:` line and a
 * `data:` object carrying its `type` and a `sequence_number` from 0: `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added`, its own events
 * (a message: `response.content_part.added`, `response.output_text.delta`s,
 * `response.output_text.done`, `response.content_part.done`; the image tool:
 * `response.image_generation_call.in_progress`, `.generating`, `.completed`) and
 * `response.output_item.done`, and last `response.completed` with the whole response.
 * `: keep-alive` comments fill the wait (http/event-stream.ts). There is no `[DONE]`, as from
 * OpenAI.
 *
 * A failure after the headers went out: the readable failure line in an open message (what a
 * person sees), then an `error` event and `response.failed`. The `error` event carries the error
 * both ways OpenAI has sent it: `code`, `message` and `param` at the top, as documented, and
 * OpenAI's error object in `error`, as its API sends it in practice. The official SDKs raise on
 * an `error` object in any event, so it comes first; the AI SDK reports it as one error part and
 * takes the `response.failed` after it as the same failure.
 *
 * The reply without `stream` is written by the same writer (responseOutput), sending nothing.
 */

export type ResponsesStreamOptions = EventStreamOptions & {
  meta: ResponseMeta
  /** The prompt text, for the usage estimate. */
  prompt: string
  /** A failure after the stream began: readable text, and OpenAI's error object. */
  describeError: (error: unknown) => {
    text: string
    error: { message: string; type: string; code: string; param: string | null }
  }
}

/** The assistant's message while it is written. */
export type MessageWriter = { text(delta: string): void; done(): void }

/** The image tool's call while it runs; `done` takes the finished item (objects.ts). */
export type ImageCallWriter = {
  id: string
  generating(): void
  done(item: ReturnType<typeof imageCallItem>): void
}

/** Opens output items, one after the other; the stream ends the response. */
export type ResponseWriter = { message(): MessageWriter; imageCall(): ImageCallWriter }

/** Writes one event; its `type` and `sequence_number` are added. */
type Send = (type: string, fields: object) => void

/**
 * The output of one response as it is written: the items, each told through `send` as it
 * opens, grows and ends (a reply that is not streamed sends nothing), and the text so far.
 */
export function responseOutput(send: Send) {
  const output: OutputItem[] = []
  let allText = ''
  let failOpenMessage: ((line: string) => void) | undefined
  const writer: ResponseWriter = {
    message() {
      const id = newItemId('msg')
      const index = output.push(messageItem(id, 'in_progress')) - 1
      const at = { item_id: id, output_index: index, content_index: 0 }
      send('response.output_item.added', { output_index: index, item: output[index] })
      send('response.content_part.added', { ...at, part: outputText('') })
      let body = ''
      const text = (delta: string) => {
        if (!delta) return
        body += delta
        allText += delta
        send('response.output_text.delta', { ...at, delta, logprobs: [] })
      }
      failOpenMessage = (line) => {
        text(line)
        output[index] = messageItem(id, 'incomplete', body)
      }
      return {
        text,
        done() {
          failOpenMessage = undefined
          send('response.output_text.done', { ...at, text: body, logprobs: [] })
          send('response.content_part.done', { ...at, part: outputText(body) })
          output[index] = messageItem(id, 'completed', body)
          send('response.output_item.done', { output_index: index, item: output[index] })
        },
      }
    },
    imageCall() {
      const id = newItemId('ig')
      const index = output.push(pendingImageCall(id)) - 1
      const at = { output_index: index, item_id: id }
      send('response.output_item.added', { output_index: index, item: output[index] })
      send('response.image_generation_call.in_progress', at)
      let generating = false
      const call: ImageCallWriter = {
        id,
        generating() {
          if (generating) return
          generating = true
          send('response.image_generation_call.generating', at)
        },
        done(item) {
          call.generating()
          send('response.image_generation_call.completed', at)
          output[index] = item
          send('response.output_item.done', { output_index: index, item })
        },
      }
      return call
    },
  }
  return {
    writer,
    output,
    usage: (prompt: string) => responsesUsage(prompt, allText),
    /** Ends an open message with the failure line, as incomplete. */
    failMessage: (line: string) => failOpenMessage?.(line),
  }
}

/**
 * The Responses stream, run once it is started (http/event-response.ts) with a writer for the
 * response's output and a signal that aborts when the client goes away, which it must pass on
 * to generation.
 */
export function responsesEvents(
  options: ResponsesStreamOptions,
  produce: (writer: ResponseWriter, signal: AbortSignal) => Promise<void>,
): EventSource {
  const response = (state: ResponseState) => ({ response: responseObject(options.meta, state) })
  return events(options, async (sendEvent, signal) => {
    let sequence = 0
    const send: Send = (type, fields) =>
      sendEvent({ type, sequence_number: sequence++, ...fields }, type)
    const out = responseOutput(send)
    send('response.created', response({ status: 'in_progress', output: [] }))
    send('response.in_progress', response({ status: 'in_progress', output: [] }))
    try {
      await produce(out.writer, signal)
      const usage = out.usage(options.prompt)
      send('response.completed', response({ status: 'completed', output: out.output, usage }))
    } catch (thrown) {
      const { text, error } = options.describeError(thrown)
      out.failMessage(`\n${text}`)
      send('error', { code: error.code, message: error.message, param: error.param, error })
      const failure = { code: error.code, message: error.message }
      send('response.failed', response({ status: 'failed', output: out.output, error: failure }))
    }
  })
}
