import { dirname } from 'node:path'
import { Miniflare, type Request as MiniflareRequest, Response } from 'miniflare'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { sniffImage } from '../../../src/image/sniff.ts'
import { makeJpeg } from '../../fakes/workers-ai-image.ts'

/**
 * dist/worker.js with the `AI` binding, inside workerd: a FLUX.2 edit of an image the gateway drew
 * and stored in KV. `env.AI` is a wrapped binding whose `run()` hands what the Worker passed
 * (FLUX.2's `{multipart: {body, contentType}}`) to a recorder in this test, which reads the form
 * as Workers AI would and answers `{image: base64}` as the real binding does for FLUX.2.
 */

const DRAWN = makeJpeg(768, 512, 30_000)
const EDITED = makeJpeg(768, 512, 31_000)

/** The binding double: runs inside the Worker's isolate, forwards every call to RECORDER. */
const AI_DOUBLE = `
export default function (env) {
  return {
    async run(model, inputs) {
      const multipart = inputs && inputs.multipart
      const reply = await env.RECORDER.fetch('http://recorder/' + encodeURIComponent(model), {
        method: 'POST',
        headers: { 'content-type': multipart ? multipart.contentType : 'application/json' },
        body: multipart ? multipart.body : JSON.stringify(inputs),
      })
      return reply.json()
    },
  }
}`

type Recorded = { model: string; contentType: string; form: FormData }

describe('dist/worker.js editing through the AI binding', () => {
  const calls: Recorded[] = []
  let mf: Miniflare
  beforeAll(async () => {
    const bundle = inject('workerBundle')
    const runtime = {
      compatibilityDate: bundle.compatibilityDate,
      compatibilityFlags: bundle.compatibilityFlags,
    }
    mf = new Miniflare({
      workers: [
        {
          name: 'gateway',
          modules: true,
          scriptPath: bundle.scriptPath,
          modulesRoot: dirname(bundle.scriptPath),
          ...runtime,
          kvNamespaces: ['IMAGES'],
          wrappedBindings: { AI: 'ai-double' },
        },
        {
          // No compatibility settings: a wrapped binding runs under the Worker's own.
          name: 'ai-double',
          modules: true,
          script: AI_DOUBLE,
          serviceBindings: {
            async RECORDER(request: MiniflareRequest) {
              const contentType = request.headers.get('content-type') ?? ''
              const model = decodeURIComponent(new URL(request.url).pathname.slice(1))
              calls.push({ model, contentType, form: (await request.formData()) as FormData })
              const image = calls.length === 1 ? DRAWN : EDITED
              return Response.json({ image: Buffer.from(image).toString('base64') })
            },
          },
        },
      ],
    })
    await mf.ready
  })
  afterAll(async () => {
    await mf?.dispose()
  })

  it('sends the stored image as input_image_0 in the multipart form and serves the edit', async () => {
    const drawn = await mf.dispatchFetch('http://gw.test/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'flux-2-klein-4b',
        prompt: 'a red bicycle',
        size: '768x512',
        response_format: 'url',
      }),
    })
    expect(drawn.status).toBe(200)
    const { data } = (await drawn.json()) as { data: { url: string }[] }
    expect(calls[0]!.form.has('input_image_0')).toBe(false)

    const query = new URLSearchParams({ model: 'flux-2-klein-4b', image: data[0]!.url, seed: '9' })
    const edited = await mf.dispatchFetch(`http://gw.test/prompt/paint%20it%20green?${query}`)
    expect(edited.status).toBe(200)
    expect(edited.headers.get('content-type')).toBe('image/jpeg')
    expect(new Uint8Array(await edited.arrayBuffer())).toEqual(EDITED)

    expect(calls).toHaveLength(2)
    const { model, contentType, form } = calls[1]!
    expect(model).toBe('@cf/black-forest-labs/flux-2-klein-4b')
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/)
    expect([...form.keys()].sort()).toEqual(['height', 'input_image_0', 'prompt', 'seed', 'width'])
    expect(form.get('prompt')).toBe('paint it green')
    expect(form.get('seed')).toBe('9')
    // The drawn 3:2 image's shape at the default area, in FLUX.2's multiples of 16.
    expect([form.get('width'), form.get('height')]).toEqual(['1248', '832'])
    const file = form.get('input_image_0') as File
    expect([file.name, file.type]).toEqual(['image-0.jpg', 'image/jpeg'])
    const sent = new Uint8Array(await file.arrayBuffer())
    expect(sent).toEqual(DRAWN)
    expect(sniffImage(sent)).toMatchObject({ width: 768, height: 512 })
  })
})
