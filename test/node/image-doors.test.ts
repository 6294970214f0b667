import { request as httpRequest } from 'node:http'
import { createOpenAI } from '@ai-sdk/openai'
import { generateImage } from 'ai'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { sniffImage } from '../../src/image/sniff.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * The doors that take images, over real HTTP against the Node entry with the offline demo
 * provider (it edits, keeping the input's shape): the official `openai` SDK (`images.edit` with
 * one file and with a list, `images.createVariation`), the Vercel AI SDK (`generateImage` with
 * `prompt: {text, images}`, which posts a multipart edit), JSON bodies with links, and the upload
 * round trip. Every outbound call the gateway makes is counted: its own links are read from the
 * store, never fetched.
 */

const KEY = 'test-client-key-123'
const cat = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
const dog = await encodePng(30, 40, new Uint8Array(30 * 40 * 3).fill(160))
let gateway: RunningGateway
let client: OpenAI
let outbound: string[] = []

beforeAll(async () => {
  gateway = await startGateway({ API_KEY: KEY }, (input, init) => {
    outbound.push(String(input instanceof Request ? input.url : input))
    return fetch(input, init)
  })
  client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
})
afterAll(() => gateway.close())
beforeEach(() => {
  outbound = []
})

const png = (name: string, bytes: Uint8Array) => toFile(bytes, name, { type: 'image/png' })
const shapeOf = (b64: string | undefined) => sniffImage(Buffer.from(b64 ?? '', 'base64'))

const post = (path: string, body: BodyInit, type?: string) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, ...(type && { 'content-type': type }) },
    body,
  })

describe('openai SDK', () => {
  it('edits one file: the reply keeps its shape, as url and b64_json', async () => {
    const result = await client.images.edit({
      image: await png('cat.png', cat),
      prompt: 'make it blue',
    })
    const [item] = result.data!
    // 40x30 at the default area, in multiples of 8.
    expect(shapeOf(item!.b64_json)).toEqual({ contentType: 'image/png', width: 1184, height: 888 })
    expect(item!.url).toMatch(new RegExp(`^${gateway.url}/image/`))
    expect((await fetch(item!.url!)).status).toBe(200)
  })

  it('edits a list of files (sent as image[]), and every one of them counts', async () => {
    const edit = async (images: Uint8Array[]) => {
      const files = await Promise.all(images.map((bytes, i) => png(`${i}.png`, bytes)))
      // A seed makes the result content-addressed, so the key shows which inputs were read.
      const body = { image: files, prompt: 'put them together', seed: 5, response_format: 'url' }
      return (await client.images.edit(body as never)).data![0]!.url
    }
    const both = await edit([cat, dog])
    expect(await edit([cat, dog])).toBe(both)
    expect(await edit([cat])).not.toBe(both)
    expect(await edit([dog, cat])).not.toBe(both)
    const tooMany = await edit([cat, cat, cat, cat, cat]).catch((error: unknown) => error)
    expect(tooMany).toBeInstanceOf(OpenAI.BadRequestError)
    expect((tooMany as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('too_many_images')
  })

  it('makes variations of a file', async () => {
    const result = await client.images.createVariation({
      image: await png('dog.png', dog),
      n: 2,
      response_format: 'b64_json',
    })
    expect(result.data).toHaveLength(2)
    for (const item of result.data!) {
      expect(shapeOf(item.b64_json)).toMatchObject({ width: 888, height: 1184 })
    }
    expect(result.data![0]!.b64_json).not.toBe(result.data![1]!.b64_json)
  })
})

describe('Vercel AI SDK generateImage with prompt.images', () => {
  it('edits one image and two, through multipart /images/edits', async () => {
    const openai = createOpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1` })
    const one = await generateImage({
      model: openai.image('demo'),
      prompt: { text: 'make it blue', images: [cat] },
    })
    expect(sniffImage(one.image.uint8Array)).toMatchObject({ width: 1184, height: 888 })
    const two = await generateImage({
      model: openai.image('demo'),
      prompt: { text: 'together', images: [dog, cat] },
    })
    // The first image sets the shape.
    expect(sniffImage(two.image.uint8Array)).toMatchObject({ width: 888, height: 1184 })
    const edits = gateway.logs.filter((line) => line.route === '/v1/images/edits')
    expect(edits.slice(-2).map((line) => line.status)).toEqual([200, 200])
  })
})

describe('JSON edits', () => {
  it('take data URIs, {image_url} and OpenAI JSON `images`', async () => {
    const dataUri = `data:image/png;base64,${Buffer.from(cat).toString('base64')}`
    for (const body of [
      { prompt: 'x', image: dataUri },
      { prompt: 'x', image: [{ image_url: dataUri }] },
      { prompt: 'x', images: [{ image_url: { url: dataUri } }] },
    ]) {
      const response = await post('/v1/images/edits', JSON.stringify(body), 'application/json')
      expect(response.status).toBe(200)
      const { data, size } = await response.json()
      expect([data.length, size]).toEqual([1, '1184x888'])
    }
  })
})

describe('POST /v1/uploads', () => {
  it('keeps an image that edits then read from the store, by url, file_id and image=', async () => {
    const form = new FormData()
    form.append('file', new Blob([cat as BlobPart], { type: 'image/png' }), 'cat.png')
    const response = await post('/v1/uploads', form)
    expect(response.status).toBe(200)
    const upload = await response.json()
    expect(upload).toMatchObject({ object: 'upload', content_type: 'image/png', width: 40 })
    expect(upload.url).toBe(`${gateway.url}/image/${upload.id}`)
    expect(upload.expires_at * 1000).toBeGreaterThan(Date.now())
    const served = await fetch(upload.url)
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(cat))).toBe(true)

    const editBy = async (image: unknown) => {
      const body = JSON.stringify({ prompt: 'x', image, response_format: 'url' })
      const edited = await post('/v1/images/edits', body, 'application/json')
      expect(edited.status).toBe(200)
      return (await edited.json()).size
    }
    // 127.0.0.1 is a loopback address the downloader refuses: only a store read succeeds.
    expect(await editBy(upload.url)).toBe('1184x888')
    expect(await editBy([{ file_id: upload.id }])).toBe('1184x888')
    const direct = await fetch(
      `${gateway.url}/?prompt=x&key=${KEY}&image=${encodeURIComponent(upload.url)}`,
      { redirect: 'manual' },
    )
    expect(direct.status).toBe(302)
    const image = await fetch(new URL(direct.headers.get('location')!, `${gateway.url}/`))
    expect(sniffImage(new Uint8Array(await image.arrayBuffer()))).toMatchObject({ width: 1184 })
    expect(outbound).toEqual([])
  })

  it('takes JSON base64 too, and refuses an oversized body by its Content-Length alone', async () => {
    const base64 = Buffer.from(dog).toString('base64')
    const response = await post('/v1/uploads', JSON.stringify({ file: base64 }), 'application/json')
    expect(await response.json()).toMatchObject({ width: 30, height: 40, bytes: dog.length })
    // Headers only: the 413 comes back before any of the promised body is sent.
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(500 * 1024 * 1024),
        },
      })
      request.on('response', (answer) => {
        let body = ''
        answer.on('data', (chunk) => (body += chunk))
        answer.on('end', () => {
          resolve({ status: answer.statusCode ?? 0, body })
          request.destroy()
        })
      })
      request.on('error', reject)
      request.flushHeaders()
    })
    expect(refused.status).toBe(413)
    expect(JSON.parse(refused.body).error.code).toBe('request_too_large')
  })
})
