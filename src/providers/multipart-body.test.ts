import { describe, expect, it } from 'vitest'
import { type MultipartEntry, multipartBody } from './multipart-body.ts'

/** The written body against what the platform's fetch writes for the same FormData. */

const png = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) % 256)

describe('multipartBody', () => {
  it('writes the bytes fetch writes for the same form, but for the boundary', async () => {
    const written = multipartBody([
      ['prompt', 'a fox\nin snow\r\nat dusk\r'],
      ['na"me\nx', '1'],
      ['input_image_0', { bytes: png, filename: 'image-0.png', type: 'image/png' }],
      ['untyped', { bytes: png.subarray(5, 9), filename: 'q"uote.bin', type: '' }],
    ])
    const form = new FormData()
    form.append('prompt', 'a fox\nin snow\r\nat dusk\r')
    form.append('na"me\nx', '1')
    form.append('input_image_0', new Blob([png], { type: 'image/png' }), 'image-0.png')
    form.append('untyped', new Blob([png.subarray(5, 9)]), 'q"uote.bin')
    const platform = new Response(form)
    const platformType = platform.headers.get('content-type')!
    const platformBoundary = platformType.split('boundary=')[1]!
    const ours = written.contentType.split('boundary=')[1]!
    expect(written.contentType).toBe(`multipart/form-data; boundary=${ours}`)
    const expected = Buffer.from(await platform.arrayBuffer())
      .toString('latin1')
      .replaceAll(platformBoundary, ours)
    expect(Buffer.from(written.body).toString('latin1')).toBe(expected)
  })

  it('reads back through the platform as the same entries, with a fresh boundary each time', async () => {
    const entries: MultipartEntry[] = [
      ['prompt', 'ä fox'],
      ['input_image_0', { bytes: png, filename: 'image-0.png', type: 'image/png' }],
    ]
    const first = multipartBody(entries)
    const second = multipartBody(entries)
    expect(first.contentType).not.toBe(second.contentType)
    const form = await new Response(first.body, {
      headers: { 'content-type': first.contentType },
    }).formData()
    expect(form.get('prompt')).toBe('ä fox')
    const image = form.get('input_image_0') as File
    expect([image.name, image.type]).toEqual(['image-0.png', 'image/png'])
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(png)
  })
})
