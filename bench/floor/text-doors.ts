import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { decode, store } from './image.ts'
import { link, seconds, sendJson } from './reply.ts'
import { callUpstream, readAll } from './upstream.ts'

/**
 * The floor's doors that answer with a link in text: chat (JSON or an event stream), the
 * Responses API (one message) and an MCP `tools/call` of generate_image (JSON-RPC). Each reads
 * its prompt, draws once, stores the image and answers the door's shape with a markdown link.
 */

const markdown = (key: string) => `![image](${link(key)})`
const id = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`

/** Draws `prompt` and stores the image; resolves with its key. */
const drawAndStore = async (prompt: string, model?: string) =>
  store(decode(await callUpstream({ prompt, model })))

async function readJson<T>(incoming: IncomingMessage): Promise<T> {
  return JSON.parse((await readAll(incoming)).toString()) as T
}

export async function chat(incoming: IncomingMessage, response: ServerResponse) {
  const body = await readJson<{ model: string; messages: { content: string }[]; stream?: boolean }>(
    incoming,
  )
  const prompt = body.messages.at(-1)!.content
  const completion = id('chatcmpl-')
  if (!body.stream) {
    const key = await drawAndStore(prompt, body.model)
    return sendJson(response, {
      id: completion,
      object: 'chat.completion',
      created: seconds(),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: markdown(key) },
          finish_reason: 'stop',
        },
      ],
    })
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const event = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: completion, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
  response.write(event({ role: 'assistant', content: '' }))
  const key = await drawAndStore(prompt, body.model)
  response.write(event({ content: markdown(key) }))
  response.end(`${event({}, 'stop')}data: [DONE]\n\n`)
}

/** `POST /v1/responses` with a string `input` and no tools: one assistant message. */
export async function responses(incoming: IncomingMessage, response: ServerResponse) {
  const body = await readJson<{ model: string; input: string }>(incoming)
  const text = markdown(await drawAndStore(body.input, body.model))
  sendJson(response, {
    id: id('resp_'),
    object: 'response',
    created_at: seconds(),
    status: 'completed',
    model: body.model,
    output: [
      {
        id: id('msg_'),
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
  })
}

/** A stateless MCP `tools/call` of generate_image, answered as JSON: the link three ways. */
export async function mcp(incoming: IncomingMessage, response: ServerResponse) {
  const call = await readJson<{
    id: number | string
    method: string
    params: { name: string; arguments: { prompt: string; model?: string } }
  }>(incoming)
  if (call.method !== 'tools/call' || call.params.name !== 'generate_image') {
    return sendJson(response, { jsonrpc: '2.0', id: call.id, error: { code: -32601 } })
  }
  const { prompt, model } = call.params.arguments
  const key = await drawAndStore(prompt, model)
  const url = link(key)
  sendJson(response, {
    jsonrpc: '2.0',
    id: call.id,
    result: {
      content: [
        { type: 'text', text: `${markdown(key)}\nLink: ${url}` },
        { type: 'resource_link', uri: url, name: key, mimeType: 'image/jpeg' },
      ],
      structuredContent: { url, urls: [url], model },
    },
  })
}
