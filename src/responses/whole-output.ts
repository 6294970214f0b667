import {
  messageItem,
  newItemId,
  type OutputItem,
  pendingImageCall,
  responsesUsage,
} from './objects.ts'
import type { ResponseWriter } from './stream.ts'

/**
 * The output of a response that is not streamed: the same items as the stream's writer
 * (stream.ts `responseOutput`) leaves, with the same ids and text, built without the events a
 * stream tells them by. Each event there is an object spread from the item's place, made even
 * when nothing sends it.
 */
export function wholeOutput() {
  const output: OutputItem[] = []
  let allText = ''
  const writer: ResponseWriter = {
    message() {
      const id = newItemId('msg')
      const index = output.push(messageItem(id, 'in_progress')) - 1
      let body = ''
      return {
        text(delta) {
          body += delta
          allText += delta
        },
        done() {
          output[index] = messageItem(id, 'completed', body)
        },
      }
    },
    imageCall() {
      const id = newItemId('ig')
      const index = output.push(pendingImageCall(id)) - 1
      return {
        id,
        generating() {},
        done(item) {
          output[index] = item
        },
      }
    },
  }
  return { writer, output, usage: (prompt: string) => responsesUsage(prompt, allText) }
}
