import type { Server } from './lib.ts'
import type { Target } from './load.ts'

/**
 * The doors `npm run bench` drives, each the same job for the gateway and for the floor
 * (bench/floor.ts, which answers the same paths): a new door is one entry here and its route in
 * the floor.
 */

export type Door = {
  name: string
  /** The request to send `server`; may ask the server something first (a key to fetch). */
  target(server: Server): Target | Promise<Target>
}

const PROMPT = 'a red fox in fresh snow'

const chatBody = (extra: object = {}) =>
  JSON.stringify({ model: 'flux-schnell', messages: [{ role: 'user', content: PROMPT }], ...extra })

const imagesBody = (format: 'url' | 'b64_json') =>
  JSON.stringify({ model: 'flux-schnell', prompt: PROMPT, response_format: format })

/** The path of one image the server stored (asked for through its Images API). */
async function storedImagePath(server: Server): Promise<string> {
  const response = await fetch(`${server.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: imagesBody('url'),
  })
  const reply = (await response.json()) as { data: { url: string }[] }
  return new URL(reply.data[0]!.url).pathname
}

/**
 * What OpenAI's Node SDK (6.x) sends with every call besides the body: its retry count (0 on a
 * first attempt) and timeout, which the gateway reads, and who it is, which it does not. It
 * sends no Idempotency-Key unless the caller sets one.
 */
const OPENAI_SDK_HEADERS = {
  accept: 'application/json',
  authorization: 'Bearer sk-bench',
  'user-agent': 'OpenAI/JS 6.49.0',
  'x-stainless-retry-count': '0',
  'x-stainless-timeout': '600',
  'x-stainless-lang': 'js',
  'x-stainless-package-version': '6.49.0',
  'x-stainless-os': 'Linux',
  'x-stainless-arch': 'x64',
  'x-stainless-runtime': 'node',
  'x-stainless-runtime-version': 'v20.20.2',
}

export const DOORS: Door[] = [
  {
    name: 'chat',
    target: () => ({ path: '/v1/chat/completions', body: chatBody() }),
  },
  {
    name: 'chat, stream',
    target: () => ({ path: '/v1/chat/completions', body: chatBody({ stream: true }) }),
  },
  {
    name: 'chat, OpenAI SDK headers',
    target: () => ({
      path: '/v1/chat/completions',
      body: chatBody(),
      headers: OPENAI_SDK_HEADERS,
    }),
  },
  {
    name: 'images, url',
    target: () => ({ path: '/v1/images/generations', body: imagesBody('url') }),
  },
  {
    name: 'images, b64_json',
    target: () => ({ path: '/v1/images/generations', body: imagesBody('b64_json') }),
  },
  {
    name: 'direct URL (302)',
    target: () => ({
      method: 'GET',
      path: `/?prompt=${encodeURIComponent(PROMPT)}`,
      status: 302,
    }),
  },
  {
    name: 'GET /image/{key}',
    target: async (server) => ({ method: 'GET', path: await storedImagePath(server) }),
  },
]
