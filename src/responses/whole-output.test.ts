import { describe, expect, it } from 'vitest'
import type { GenerationResult } from '../generate/index.ts'
import { imageCallItem } from './objects.ts'
import { type ResponseWriter, responseOutput } from './stream.ts'
import { wholeOutput } from './whole-output.ts'

/** The same writing, by the stream's writer (sending nowhere) and by wholeOutput. */
function bothWays(write: (writer: ResponseWriter) => void) {
  const streamed = responseOutput(() => {})
  const whole = wholeOutput()
  write(streamed.writer)
  write(whole.writer)
  // Ids are random: each is named by its place instead.
  const named = (output: unknown[]) =>
    JSON.parse(JSON.stringify(output).replace(/"(msg|ig)_[0-9a-f]{32}"/g, '"$1_id"'))
  return {
    streamed: { output: named(streamed.output), usage: streamed.usage('a fox') },
    whole: { output: named(whole.output), usage: whole.usage('a fox') },
    ids: [streamed.output, whole.output].map((output) => output.map((item) => item.id)),
  }
}

const result = { finalPrompt: 'a red fox' } as GenerationResult
const image = { bytes: new Uint8Array([1, 2, 3]), width: 8, height: 8 } as never

describe('wholeOutput', () => {
  it('leaves the items and usage the stream’s writer leaves: a message in pieces', () => {
    const { streamed, whole } = bothWays((writer) => {
      const message = writer.message()
      message.text('🎨 first ')
      message.text('')
      message.text('second\n')
      message.done()
    })
    expect(whole).toEqual(streamed)
    expect(whole.output[0].content[0].text).toBe('🎨 first second\n')
  })

  it('the same for the image tool’s call, then a caption', () => {
    const { streamed, whole, ids } = bothWays((writer) => {
      const call = writer.imageCall()
      call.generating()
      call.done(imageCallItem(call.id, image, result, { output_format: 'png' }))
      const message = writer.message()
      message.text('a caption')
      message.done()
    })
    expect(whole).toEqual(streamed)
    expect(whole.output.map((item: { type: string }) => item.type)).toEqual([
      'image_generation_call',
      'message',
    ])
    for (const [item] of ids) expect(item).toMatch(/^ig_[0-9a-f]{32}$/)
  })

  it('the same for a message left open, and a call never done', () => {
    const { streamed, whole } = bothWays((writer) => {
      writer.imageCall()
      writer.message().text('cut short')
    })
    expect(whole).toEqual(streamed)
    expect(whole.output[1]).toMatchObject({ status: 'in_progress', content: [] })
  })
})
