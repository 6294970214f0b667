import { describe, expect, it } from 'vitest'
import {
  chatBoxName,
  NEXTCHAT_SUMMARY,
  NEXTCHAT_TITLE,
  NEXTCHAT_TITLE_ZH,
  openWebUi,
} from './__fixtures__/client-wordings.ts'
import { answerHousekeeping, detectHousekeeping, titleFrom } from './housekeeping.ts'
import type { ChatMessage } from './messages.ts'

const answer = (messages: ChatMessage[]) => {
  const task = detectHousekeeping(messages)
  expect(task).not.toBeNull()
  return answerHousekeeping(task!, messages, 'en')
}

describe('housekeeping', () => {
  it('does not take ordinary prompts, even ones mentioning titles or tasks', () => {
    for (const content of [
      'A cute cat 3:2',
      'a book cover with the title "Summarize the discussion"',
      'Task: draw a lighthouse',
    ]) {
      expect(detectHousekeeping([{ role: 'user', content }]), content).toBeNull()
    }
  })

  it('answers the NextChat title prompt with the latest image prompt, options removed', () => {
    const messages = [
      { role: 'user', content: 'an old harbour at dawn 16:9' },
      {
        role: 'assistant',
        content: '🎨 Original prompt: ...\n\n![an old harbour](http://h/image/a)',
      },
      { role: 'user', content: 'a red fox jumping over a frozen creek in winter --seed 4' },
      { role: 'assistant', content: '🎨 ...' },
      { role: 'user', content: NEXTCHAT_TITLE },
    ]
    expect(detectHousekeeping(messages)?.kind).toBe('nextchat-title')
    expect(answer(messages)).toBe('A red fox jumping over')
  })

  it('recognises the Chinese NextChat title prompt', () => {
    const messages = [
      { role: 'user', content: '一只可爱的猫 3:2' },
      { role: 'user', content: NEXTCHAT_TITLE_ZH },
    ]
    expect(detectHousekeeping(messages)?.kind).toBe('nextchat-title')
    expect(answer(messages)).toBe('一只可爱的猫')
  })

  it('answers the NextChat memory summary sent as a trailing system message', () => {
    const messages = [
      { role: 'user', content: 'a cute cat' },
      { role: 'assistant', content: '![a cute cat](http://h/image/a)' },
      { role: 'user', content: 'a dog --ar 1:2' },
      { role: 'system', content: NEXTCHAT_SUMMARY },
    ]
    expect(detectHousekeeping(messages)).toMatchObject({ kind: 'nextchat-summary', index: 3 })
    expect(answer(messages)).toBe('The user asked for images of: "a cute cat"; "a dog"')
  })

  it('answers Open WebUI title, tags and follow-ups in the JSON each expects', () => {
    const title = JSON.parse(answer([{ role: 'user', content: openWebUi.title('a cute cat 3:2') }]))
    expect(title).toEqual({ title: '🎨 A cute cat' })
    const tags = JSON.parse(answer([{ role: 'user', content: openWebUi.tags('a cute cat') }]))
    expect(tags.tags).toBeInstanceOf(Array)
    expect(tags.tags.length).toBeGreaterThan(0)
    expect(tags.tags.every((tag: unknown) => typeof tag === 'string')).toBe(true)
    const followUps = JSON.parse(
      answer([{ role: 'user', content: openWebUi.followUps('a cute cat') }]),
    )
    expect(followUps).toEqual({
      follow_ups: ['a cute cat 16:9', 'a cute cat 9:16', 'a cute cat, watercolor style'],
    })
  })

  it('answers other Open WebUI tasks with parseable JSON', () => {
    const messages = [{ role: 'user', content: openWebUi.queries('a cute cat') }]
    expect(detectHousekeeping(messages)?.kind).toBe('openwebui-task')
    expect(JSON.parse(answer(messages))).toEqual({ queries: [] })
    const unknown = [{ role: 'user', content: '### Task:\nDo something new.\n### Output:\nJSON' }]
    expect(JSON.parse(answer(unknown))).toEqual({})
  })

  it('answers the ChatBox naming prompt from the quoted conversation', () => {
    const messages = [{ role: 'user', content: chatBoxName('a lighthouse in a storm') }]
    expect(detectHousekeeping(messages)?.kind).toBe('chatbox-name')
    expect(answer(messages)).toBe('A lighthouse in')
  })

  it('falls back to a generic title when the history holds no prompt', () => {
    expect(answer([{ role: 'user', content: NEXTCHAT_TITLE }])).toBe('Image chat')
    expect(JSON.parse(answer([{ role: 'user', content: openWebUi.followUps('') }]))).toEqual({
      follow_ups: [],
    })
  })

  it('builds titles from the first words without trailing punctuation', () => {
    expect(titleFrom('a cat, a dog, a bird and a fish swimming')).toBe('A cat, a dog, a')
    expect(titleFrom('hello world!')).toBe('Hello world')
  })
})
