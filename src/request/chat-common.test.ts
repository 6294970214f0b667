import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { chatBody, commonChatBody, parseChatBody } from './chat.ts'
import { MAX_MODEL_CHARS } from './fields.ts'
import { parseRequest } from './request-error.ts'

/**
 * parseChatBody reads the common body without zod (commonChatBody): here both paths read the
 * same bodies, valid and not, and must agree on every result (key order included) and every
 * error, while the common path must really be taken for the bodies it is meant for.
 */

/** What a parse comes to: the result, or the error a client would see. */
function outcome(parse: () => unknown) {
  try {
    const data = parse()
    return { data, json: JSON.stringify(data) }
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error
    const { status, code, message, param } = error
    return { error: { status, code, message, param } }
  }
}

const MESSAGES: unknown[] = [
  [{ role: 'user', content: 'a red fox in fresh snow' }],
  [{ content: 'content before role', role: 'user' }],
  [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'a cat --ar 16:9' },
    { role: 'assistant', content: '![a cat](http://x/image/abc)' },
    { role: 'user', content: 'again, --seed 5' },
  ],
  [{ role: 'user', content: 'a cat', name: null }],
  [{ role: 'user', name: 'me', content: 'a cat', extra: { deep: [1, 2] } }],
  [{ role: 'user', content: '' }],
  [{ role: '', content: 'no role name' }],
  [],
  [{ role: 'user', content: 'a cat', name: undefined }],
  [{ role: 'user' }],
  [{ role: 'user', content: null }],
  [{ role: 'user', content: undefined }],
  [{ role: 'user', content: [{ type: 'text', text: 'a cat' }] }],
  [{ role: 'user', content: [{ type: 5 }] }],
  [{ role: 'user', content: 5 }],
  [{ role: 5, content: 'x' }],
  [{ content: 'x' }],
  [{ role: 'user', content: 'x' }, null],
  [{ role: 'user', content: 'x' }, 'text'],
  [['user', 'x']],
  [Object.assign(Object.create(null), { role: 'user', content: 'x' })],
  new Array(2),
  'a cat',
  { role: 'user', content: 'x' },
  null,
  undefined,
  42,
]

const VALUES: Record<string, unknown[]> = {
  model: [
    'flux-schnell',
    '',
    'm'.repeat(MAX_MODEL_CHARS),
    'm'.repeat(MAX_MODEL_CHARS + 1),
    42,
    null,
  ],
  stream: [true, false, null, undefined, 'yes', 1],
  stream_options: [null, undefined, { include_usage: true }, { include_usage: 'yes' }, 'x'],
  seed: [null, undefined, -1, 5, '7', 2 ** 31, 'soon'],
  modalities: [null, undefined, ['image'], ['text'], ['video'], 'image'],
  image_config: [null, undefined, { aspect_ratio: '16:9' }, { aspect_ratio: '64:1' }, 3],
  temperature: [0.5, null],
  tools: [[{ type: 'function' }]],
  user: ['someone'],
}

/** A small deterministic generator, so a failure names a body that can be rebuilt. */
function generator(seed: number) {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
}

function bodies(count: number): unknown[] {
  const random = generator(7)
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!
  const made: unknown[] = []
  for (let i = 0; i < count; i++) {
    const body: Record<string, unknown> = {}
    // Most bodies carry messages, as clients send them; a few leave them out.
    if (random() < 0.95) body.messages = structuredClone(pick(MESSAGES))
    for (const [field, values] of Object.entries(VALUES)) {
      // Common fields often, the rest now and then, so plain bodies come up as well.
      const chance = field === 'model' || field === 'stream' ? 0.7 : 0.15
      if (random() < chance) body[field] = pick(values)
    }
    made.push(body)
  }
  return made
}

describe('commonChatBody', () => {
  it('gives what zod gives for every body, and zod decides every error', () => {
    const texts = [
      '{"messages":[{"role":"user","content":"x"}],"__proto__":{"seed":5}}',
      '{"messages":[{"role":"user","content":"x","__proto__":{"a":1}}]}',
      '{"model":"flux-schnell","messages":[{"role":"user","content":"a \\"quoted\\" fox"}]}',
    ]
    const all = [
      ...bodies(4000),
      ...texts.map((text) => JSON.parse(text)),
      // Not objects at all: parseChatBody may be handed anything.
      null,
      [],
      'text',
      Object.assign(Object.create(null), { messages: [] }),
    ]
    let common = 0
    for (const body of all) {
      // Through JSON as well, as bodies arrive (a structured clone keeps `undefined`s).
      const copies = body && typeof body === 'object' ? [body, jsonCopy(body)] : [body]
      for (const copy of copies) {
        const zod = outcome(() => parseRequest(chatBody, copy))
        const ours = outcome(() => parseChatBody(copy))
        expect(ours, JSON.stringify(copy)).toStrictEqual(zod)
        if (commonChatBody(copy)) common++
      }
    }
    // The common path must not be an empty promise: most plain bodies take it.
    expect(common).toBeGreaterThan(1000)
  })

  it('takes the bodies clients send, and leaves everything zod must read to zod', () => {
    const plain = { model: 'flux-schnell', messages: [{ role: 'user', content: 'a fox' }] }
    expect(commonChatBody(plain)).toEqual({
      messages: [{ role: 'user', content: 'a fox' }],
      model: 'flux-schnell',
      stream: false,
      includeUsage: false,
      seed: undefined,
      imagesOut: false,
      ratioSize: undefined,
    })
    expect(commonChatBody({ ...plain, stream: true, temperature: 1 })?.stream).toBe(true)
    for (const other of [
      { ...plain, seed: 5 },
      { ...plain, stream: 'yes' },
      { ...plain, stream_options: { include_usage: true } },
      { ...plain, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
      { model: 'flux-schnell' },
    ]) {
      expect(commonChatBody(other)).toBeNull()
    }
  })
})

const jsonCopy = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null')
