import type { IncomingMessage, ServerResponse } from 'node:http'
import { decode, pngSize, store } from './image.ts'
import { readForm } from './multipart.ts'
import { link, seconds, sendAround, sendJson } from './reply.ts'
import { callUpstream, readAll } from './upstream.ts'

/**
 * The image doors of the floor: the Images API (a link, base64, or base64 in an event stream),
 * its edits (multipart in, a link out), and the direct URL's redirect. Where no link is handed
 * out (`b64_json`, a stream), the image is decoded to check it but not stored, and the
 * upstream's base64 text goes back as it came.
 */

export async function generations(incoming: IncomingMessage, response: ServerResponse) {
  const body = JSON.parse((await readAll(incoming)).toString()) as {
    prompt: string
    model?: string
    response_format?: string
    stream?: boolean
  }
  const base64 = await callUpstream(body)
  const image = decode(base64)
  const created = seconds()
  if (body.stream) {
    const type = 'image_generation.completed'
    const format = image.type.slice('image/'.length)
    const head = `event: ${type}\ndata: {"type":"${type}","b64_json":"`
    const tail = `","created_at":${created},"size":"1024x1024","output_format":"${format}"}\n\n`
    return sendAround(response, 'text/event-stream', head, base64, tail)
  }
  if (body.response_format !== 'b64_json') {
    return sendJson(response, { created, data: [{ url: link(await store(image)) }] })
  }
  sendAround(
    response,
    'application/json',
    `{"created":${created},"data":[{"b64_json":"`,
    base64,
    '"}]}',
  )
}

/** OpenAI's multipart edit: the image checked (a whole PNG, its size read), sent on as a file. */
export async function edits(incoming: IncomingMessage, response: ServerResponse) {
  const form = readForm(incoming.headers['content-type'] ?? '', await readAll(incoming))
  const bytes = form?.get('image')
  const size = bytes && pngSize(bytes)
  const prompt = form?.get('prompt')?.toString()
  if (!form || !bytes || !size || !prompt) {
    response.writeHead(400).end('an edit needs a prompt and a whole PNG')
    return
  }
  const model = form.get('model')?.toString()
  const image = decode(await callUpstream({ prompt, model, image: { bytes, ...size } }))
  sendJson(response, { created: seconds(), data: [{ url: link(await store(image)) }] })
}

export async function direct(url: URL, response: ServerResponse) {
  const image = decode(await callUpstream({ prompt: url.searchParams.get('prompt') ?? '' }))
  url.searchParams.set('id', await store(image))
  response.writeHead(302, { location: `${url.pathname}${url.search}`, 'cache-control': 'no-store' })
  response.end()
}
