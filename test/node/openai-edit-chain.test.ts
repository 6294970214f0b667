import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { sniffImage } from '../../src/image/sniff.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * One fluxgate in front of another, over real HTTP: the official `openai` SDK edits through the
 * front gateway, whose `openai` entry forwards the edit to the back gateway's `/v1/images/edits`
 * as OpenAI's multipart form; the back one edits on its offline demo provider. The edit arrives
 * unchanged: both images and the mask byte for byte, the model, the prompt, the answer's shape.
 */

const cat = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(90))
const dog = await encodePng(30, 40, new Uint8Array(30 * 40 * 3).fill(160))
const mask = await encodePng(40, 30, new Uint8Array(40 * 30 * 3))
let back: RunningGateway
let front: RunningGateway
/** The forms the front gateway sent to the back one's `/images/edits`. */
const forwarded: FormData[] = []

beforeAll(async () => {
  back = await startGateway({ API_KEY: 'back-key' })
  const entry = {
    type: 'openai',
    keys: ['back-key'],
    baseUrl: `${back.url}/v1`,
    models: ['demo'],
    options: { input: { maxImages: 4, mask: true } },
  }
  front = await startGateway(
    { API_KEY: 'front-key', PROVIDERS: JSON.stringify([entry]) },
    (input, init) => {
      if (String(input).endsWith('/v1/images/edits')) forwarded.push(init?.body as FormData)
      return fetch(input, init)
    },
  )
})
afterAll(async () => {
  await front?.close()
  await back?.close()
})

const png = (name: string, bytes: Uint8Array) => toFile(bytes, name, { type: 'image/png' })

/** An edit form with five copies of the cat, one more than the front entry declares. */
function fiveImages(): FormData {
  const form = new FormData()
  form.append('prompt', 'p')
  form.append('model', 'demo')
  const file = new Blob([cat as Uint8Array<ArrayBuffer>], { type: 'image/png' })
  for (let i = 0; i < 5; i++) form.append('image[]', file, 'cat.png')
  return form
}

describe('an openai entry pointing at another fluxgate', () => {
  it('forwards an SDK edit with two images and a mask, answered by the back gateway', async () => {
    const client = new OpenAI({ apiKey: 'front-key', baseURL: `${front.url}/v1`, maxRetries: 0 })
    const result = await client.images.edit({
      model: 'demo',
      image: [await png('cat.png', cat), await png('dog.png', dog)],
      mask: await png('mask.png', mask),
      prompt: 'both of them on a sofa',
      response_format: 'b64_json',
    })
    const bytes = Buffer.from(result.data![0]!.b64_json!, 'base64')
    // The first image's 4:3 shape at the default area, in multiples of 8, drawn by the back one.
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 1184, height: 888 })

    const [form] = forwarded
    const fileBytes = async (value: FormDataEntryValue | null) =>
      new Uint8Array(await (value as File).arrayBuffer())
    expect(form!.get('model')).toBe('demo')
    expect(form!.get('prompt')).toBe('both of them on a sofa')
    const images = form!.getAll('image[]')
    expect(await Promise.all(images.map(fileBytes))).toEqual([cat, dog])
    expect(await fileBytes(form!.get('mask'))).toEqual(mask)
    const edits = (gateway: RunningGateway) =>
      gateway.logs.filter((line) => line.route === '/v1/images/edits')
    expect(edits(front)).toMatchObject([{ status: 200, provider: 'openai', model: 'demo' }])
    expect(edits(back)).toMatchObject([{ status: 200, provider: 'demo', model: 'demo' }])
  })

  it('refuses more images than the entry declares in front, without calling the back one', async () => {
    const response = await fetch(`${front.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer front-key' },
      body: fiveImages(),
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'too_many_images',
    )
    expect(back.logs.filter((line) => line.route === '/v1/images/edits')).toHaveLength(1)
    expect(forwarded).toHaveLength(1)
  })
})
