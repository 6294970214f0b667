import { writeForm } from './floor/multipart.ts'
import type { Server } from './lib.ts'
import type { Target } from './load.ts'
import { makePng } from './png.ts'

/**
 * The doors `npm run bench` drives, each the same job for the gateway and for the floor
 * (bench/floor.ts, which answers the same paths): a new door is one entry here and its route in
 * the floor. Each says what its reply must hold (`expect`), checked once on each server before
 * it is measured, since some doors fail inside a 200.
 */

export type Door = {
  name: string
  /** The request to send `server`; may ask the server something first (a key to fetch). */
  target(server: Server): Target | Promise<Target>
  /**
   * The share of the run's request counts this door gets (default 1): the doors that move
   * megabytes per request are slow, and a quarter of the requests gives them as many seconds.
   */
  share?: number
}

const PROMPT = 'a red fox in fresh snow'
/** FLUX.2 [klein 4B]: it edits, and the fake upstream answers it with a 1.5 MB PNG. */
const FLUX2 = 'flux-2-klein-4b'

const chatBody = (extra: object = {}) =>
  JSON.stringify({ model: 'flux-schnell', messages: [{ role: 'user', content: PROMPT }], ...extra })

const imagesBody = (format: 'url' | 'b64_json', extra: object = {}) =>
  JSON.stringify({ model: 'flux-schnell', prompt: PROMPT, response_format: format, ...extra })

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

/** OpenAI's edit form, as its SDKs send it: a ~1 MB PNG to edit (made once, when first asked). */
let editForm: ReturnType<typeof writeForm> | undefined
function editTarget(): Target {
  editForm ??= writeForm({ model: FLUX2, prompt: PROMPT, response_format: 'url' }, [
    { name: 'image', filename: 'fox.png', type: 'image/png', bytes: makePng(592, 592, 1_000_000) },
  ])
  return {
    path: '/v1/images/edits',
    body: editForm.body,
    headers: { 'content-type': editForm.contentType },
    expect: '/image/',
  }
}

/** A stateless MCP client's call: no session, the protocol version in a header, JSON back. */
const mcpCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'generate_image', arguments: { prompt: PROMPT, model: 'flux-schnell' } },
})

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
    target: () => ({ path: '/v1/chat/completions', body: chatBody(), expect: '/image/' }),
  },
  {
    name: 'chat, stream',
    target: () => ({
      path: '/v1/chat/completions',
      body: chatBody({ stream: true }),
      expect: '[DONE]',
    }),
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
    target: () => ({ path: '/v1/images/generations', body: imagesBody('url'), expect: '/image/' }),
  },
  {
    name: 'images, b64_json',
    target: () => ({
      path: '/v1/images/generations',
      body: imagesBody('b64_json'),
      expect: '"b64_json":"/9j/',
    }),
  },
  {
    name: 'images, stream',
    target: () => ({
      path: '/v1/images/generations',
      body: imagesBody('b64_json', { stream: true }),
      expect: '"b64_json":"/9j/',
    }),
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
  { name: 'edits, 1 MB PNG in', target: editTarget, share: 0.25 },
  {
    name: 'responses',
    target: () => ({
      path: '/v1/responses',
      body: JSON.stringify({ model: 'flux-schnell', input: PROMPT }),
      expect: '/image/',
    }),
  },
  {
    name: 'MCP tools/call',
    target: () => ({
      path: '/mcp',
      body: mcpCall,
      headers: {
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      expect: '"resource_link"',
    }),
  },
  {
    name: 'FLUX.2 1.5 MB PNG, chat',
    share: 0.25,
    target: () => ({
      path: '/v1/chat/completions',
      body: JSON.stringify({ model: FLUX2, messages: [{ role: 'user', content: PROMPT }] }),
      expect: '/image/',
    }),
  },
  {
    name: 'FLUX.2 1.5 MB PNG, b64_json',
    share: 0.25,
    target: () => ({
      path: '/v1/images/generations',
      body: JSON.stringify({ model: FLUX2, prompt: PROMPT, response_format: 'b64_json' }),
      expect: '"b64_json":"iVBORw0KGgo',
    }),
  },
]
