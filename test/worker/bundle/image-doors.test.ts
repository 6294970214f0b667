import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePng } from '../../../src/image/png.ts'
import { sniffImage } from '../../../src/image/sniff.ts'
import { startBundle } from './miniflare.ts'

/**
 * The doors that take images in dist/worker.js (workerd's own FormData parser, KV storage, the
 * demo provider): a multipart edit, an upload edited by its link, and a form cut short.
 */

let mf: Miniflare
beforeAll(async () => {
  mf = await startBundle()
})
afterAll(async () => {
  await mf?.dispose()
})

const png = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))

/** A multipart body as a client sends it (dispatchFetch would send a FormData as text). */
async function formWith(name: string) {
  const form = new FormData()
  form.append(name, new Blob([png as BlobPart], { type: 'image/png' }), 'cat.png')
  form.append('prompt', 'make it blue')
  const request = new Request('https://x/', { method: 'POST', body: form })
  const bytes = new Uint8Array(await request.arrayBuffer())
  return { bytes, type: request.headers.get('content-type')! }
}

const post = (path: string, body: Uint8Array | string, type: string) =>
  mf.dispatchFetch(`https://gw.example${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': type },
  })

describe('image doors of dist/worker.js', () => {
  it('edits a multipart image[] and keeps its shape', async () => {
    const { bytes, type } = await formWith('image[]')
    const response = await post('/v1/images/edits', bytes, type)
    expect(response.status).toBe(200)
    const { data, size } = (await response.json()) as { data: { b64_json: string }[]; size: string }
    expect(size).toBe('1184x888')
    const edited = Uint8Array.from(atob(data[0]!.b64_json), (char) => char.charCodeAt(0))
    expect(sniffImage(edited)).toMatchObject({ width: 1184, height: 888 })
  })

  it('stores an upload in KV that an edit then reads by its link', async () => {
    const { bytes, type } = await formWith('file')
    const upload = await post('/v1/uploads', bytes, type)
    const { url, id } = (await upload.json()) as { url: string; id: string }
    expect(url).toBe(`https://gw.example/image/${id}`)
    const body = JSON.stringify({ prompt: 'x', image: url, response_format: 'url' })
    const edit = await post('/v1/images/edits', body, 'application/json')
    expect(edit.status).toBe(200)
  })

  it('refuses a form cut short in the error shape', async () => {
    const { bytes, type } = await formWith('image')
    const response = await post('/v1/images/edits', bytes.slice(0, 200), type)
    expect(response.status).toBe(400)
    expect(response.headers.get('x-should-retry')).toBe('false')
    const { error } = (await response.json()) as { error: { code: string } }
    expect(error.code).toBe('invalid_request')
  })
})
