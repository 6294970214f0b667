import { describe, expect, it } from 'vitest'
import { rejection } from '../request/testing.ts'
import { editImages } from './edit-images.ts'
import type { ChatMessage } from './messages.ts'

const OWN = 'https://gw.example'
const isOwn = (url: string) => url.startsWith(`${OWN}/image/`)
const KEY = 'k'.repeat(24)
const ownLink = `${OWN}/image/${KEY}`
const DATA = 'data:image/png;base64,iVBORw0KGgo='

const imagesOf = (messages: ChatMessage[], edit = false) =>
  editImages(messages, { index: messages.length - 1, edit, isOwn })

const reply = (url: string) => ({
  role: 'assistant',
  content: `🎨 Original prompt: \`a fox\`  \n🌟 Done  \n\n![a fox](${url})`,
})

describe('editImages', () => {
  it("reads the last user message's image parts in order, in every shape clients send", () => {
    const content = [
      { type: 'text', text: 'make it blue' },
      { type: 'image_url', image_url: { url: 'https://cdn.example/a.png', detail: 'high' } },
      { type: 'image_url', image_url: DATA },
      { type: 'input_image', image_url: `/image/${KEY}` },
      { type: 'input_audio', input_audio: { data: 'AAAA' } },
    ]
    expect(imagesOf([{ role: 'user', content }])).toEqual([
      { url: 'https://cdn.example/a.png', param: 'messages.0.content.1.image_url' },
      { url: DATA, param: 'messages.0.content.2.image_url' },
      { url: `/image/${KEY}`, param: 'messages.0.content.3.image_url' },
    ])
  })

  it('never reads image parts of earlier messages, however odd', () => {
    const messages = [
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 42 } }] },
      reply(ownLink),
      { role: 'user', content: 'a fox in the snow' },
    ]
    expect(imagesOf(messages)).toEqual([])
  })

  it('refuses a part without a usable link, naming the part', () => {
    for (const image_url of [{}, 42, null, { url: '' }, 'ftp://host/a.png', 'cat.png']) {
      const error = rejection(() =>
        imagesOf([
          { role: 'system', content: 'draw' },
          { role: 'user', content: [{ type: 'image_url', image_url }] },
        ]),
      )
      expect(error, JSON.stringify(image_url)).toMatchObject({
        status: 400,
        param: 'messages.1.content.0.image_url',
        message:
          "messages.1.content.0.image_url must be an https URL, a data: URI or a link to this gateway's /image/{key}.",
      })
    }
  })

  it("with --edit, puts the latest reply's own image first, then the parts", () => {
    const messages = [
      { role: 'user', content: 'a fox' },
      reply(`${OWN}/image/${'a'.repeat(24)}`),
      { role: 'user', content: 'a fox at night' },
      reply(ownLink),
      // A failed reply and an image from elsewhere show nothing of this gateway's.
      { role: 'assistant', content: '❌ Image generation failed: busy' },
      { role: 'assistant', content: '![other](https://elsewhere.example/image/abc)' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'add this hat --edit' },
          { type: 'image_url', image_url: { url: 'https://cdn.example/hat.png' } },
        ],
      },
    ]
    expect(imagesOf(messages, true)).toEqual([
      { url: ownLink, param: 'messages.3' },
      { url: 'https://cdn.example/hat.png', param: 'messages.6.content.1.image_url' },
    ])
  })

  it("reads images sent OpenRouter's way and inline data: images, once each", () => {
    const viaImages = {
      role: 'assistant',
      content: '🎨 `a fox` · 📐 1024x1024',
      images: [{ type: 'image_url', image_url: { url: DATA } }, { type: 'image_url' }],
    }
    expect(imagesOf([viaImages, { role: 'user', content: 'bluer --edit' }], true)).toEqual([
      { url: DATA, param: 'messages.0' },
    ])
    const twice = {
      role: 'assistant',
      content: [
        { type: 'text', text: `![a](${ownLink}) ![b](${ownLink})` },
        { type: 'image_url', image_url: { url: ownLink } },
      ],
    }
    expect(imagesOf([twice, { role: 'user', content: 'bluer --edit' }], true)).toEqual([
      { url: ownLink, param: 'messages.0' },
    ])
  })

  it('refuses --edit when no reply shows an image of this gateway, naming the prompt', () => {
    const messages = [
      { role: 'user', content: 'a fox' },
      reply('https://elsewhere.example/image/kkkkkkkkkkkkkkkkkkkkkkkk'),
      { role: 'user', content: [{ type: 'image_url', image_url: DATA }] },
      { role: 'user', content: 'make it blue --edit' },
    ]
    const error = rejection(() => imagesOf(messages, true))
    expect(error).toMatchObject({
      status: 400,
      code: 'image_required',
      param: 'messages.3.content',
      retryable: false,
    })
    expect(error.message).toMatch(/^--edit edits the image of this gateway's latest reply/)
  })
})
