import { Agent, type IncomingMessage, request } from 'node:http'
import { type FilePart, writeForm } from './multipart.ts'

/**
 * The floor's one upstream call per request: Workers AI REST on a keep-alive agent, JSON for
 * FLUX.1 [schnell], multipart for FLUX.2 (the only body it takes, with an edit's image as the
 * file `input_image_0`), as src/providers/workers-ai sends them. The reply's base64 is cut out
 * of the envelope without parsing it.
 */

const env = process.env
const base = `${env.CF_API_BASE}/accounts/${env.CF_ACCOUNT_ID}/ai/run/@cf/black-forest-labs`
const authorization = `Bearer ${env.CF_API_TOKEN}`
const agent = new Agent({ keepAlive: true })
const KEY = Buffer.from('"image":"')

/** The public model ids the benchmark sends that are FLUX.2; every other one is schnell. */
const FLUX2 = new Set(['flux-2-klein-4b', 'flux-2-klein'])

export const isFlux2 = (model: string | undefined) => model !== undefined && FLUX2.has(model)

export function readAll(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    incoming.on('error', reject)
  })
}

export type Draw = {
  prompt: string
  model?: string
  /** An edit's image and the size to draw (the image's own). */
  image?: { bytes: Uint8Array; width: number; height: number }
}

const seed = () => Math.floor(Math.random() * 2 ** 31)

/** One upstream call; resolves with the image's base64 text, cut out of the reply. */
export function callUpstream(draw: Draw): Promise<Buffer> {
  let url: string
  let body: Buffer | string
  let contentType: string
  if (isFlux2(draw.model) || draw.image) {
    const { width = 1024, height = 1024 } = draw.image ?? {}
    const files: FilePart[] = draw.image
      ? [{ name: 'input_image_0', filename: 'image-0', type: 'image/png', bytes: draw.image.bytes }]
      : []
    const form = writeForm({ prompt: draw.prompt, width, height, seed: seed() }, files)
    url = `${base}/flux-2-klein-4b`
    body = form.body
    contentType = form.contentType
  } else {
    url = `${base}/flux-1-schnell`
    body = JSON.stringify({ prompt: draw.prompt, steps: 4, seed: seed() })
    contentType = 'application/json'
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      agent,
      method: 'POST',
      headers: {
        authorization,
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
      },
    })
    outgoing.on('response', (response) => {
      readAll(response).then((reply) => {
        const start = reply.indexOf(KEY) + KEY.length
        const end = reply.indexOf(0x22, start)
        if (response.statusCode !== 200 || start < KEY.length || end < 0) {
          reject(new Error(`upstream answered ${response.statusCode}: ${reply.subarray(0, 200)}`))
        } else resolve(reply.subarray(start, end))
      }, reject)
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}
