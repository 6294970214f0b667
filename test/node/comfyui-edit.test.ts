import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor, rejection, testPng } from '../contracts/provider.ts'
import { type FakeComfy, type FakeComfyOptions, startFakeComfy } from '../fakes/comfyui.ts'
import { readForm } from '../fakes/workers-ai.ts'

/**
 * Edits on ComfyUI: the image (and mask) go up through `POST /upload/image`, and the names it
 * answers fill `{{image}}` (and `{{mask}}`) in the workflow, which is then queued as usual.
 * Against the fake ComfyUI, whose /prompt fails a LoadImage of a file it was never given.
 */

/** A FLUX.1 Fill style inpainting graph: the image, its mask, a prompt, one saved output. */
const INPAINT = {
  '1': { class_type: 'LoadImage', inputs: { image: '{{image}}' } },
  '2': { class_type: 'LoadImageMask', inputs: { image: '{{mask}}', channel: 'alpha' } },
  '3': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['8', 1] } },
  '4': {
    class_type: 'KSampler',
    inputs: { seed: '{{seed}}', model: ['8', 0], positive: ['3', 0], latent_image: ['1', 0] },
  },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'edit', images: ['4', 0] } },
}
const { '2': _mask, ...IMAGE_ONLY } = INPAINT

const track = closedAfterEach()
const png = await testPng(64, 48, 5)
const mask = await encodePng(64, 48, new Uint8Array(64 * 48 * 3))

async function setup(workflow: object | undefined, fake: FakeComfyOptions = {}, keys?: string[]) {
  const comfy = track(await startFakeComfy(fake))
  const options = { pollIntervalMs: 10, ...(workflow ? { workflow } : {}) }
  const entry = { type: 'comfyui', baseUrl: comfy.url, models: ['flux-fill'], options, keys }
  return { comfy, ...gatewayFor([entry]) }
}

const uploads = (comfy: FakeComfy) =>
  comfy.requests.filter((r) => r.method === 'POST' && r.path === '/upload/image')

describe('comfyui edits', () => {
  it('uploads the image and mask, and queues the workflow naming the uploaded files', async () => {
    const { comfy, generate } = await setup(INPAINT)
    const result = await generate({ images: [{ bytes: png }], mask: { bytes: mask }, seed: 3 })
    const [imageUpload, maskUpload] = uploads(comfy)
    const form = await readForm(imageUpload!.headers['content-type']!, imageUpload!.body)
    expect(form.get('overwrite')).toBe('true')
    const file = form.get('image') as File
    expect(file.type).toBe('image/png')
    expect(file.name).toMatch(/^fluxgate-[\w-]{22}\.png$/)
    expect(maskUpload).toBeDefined()

    const [graph] = comfy.graphs()
    const imageName = graph!['1']!.inputs.image as string
    const maskName = graph!['2']!.inputs.image as string
    expect(imageName).toBe(file.name)
    expect(comfy.inputs.get(imageName)!.bytes).toEqual(png)
    expect(comfy.inputs.get(maskName)!.bytes).toEqual(mask)
    expect(graph!['2']!.inputs.channel).toBe('alpha')
    expect(graph!['4']!.inputs.seed).toBe(3)
    expect(result.images[0]!.bytes).toEqual(comfy.served[0])
    expect(result.model).toBe('flux-fill')
  })

  it('uses the image as its own mask when none is sent, and one file for the same image', async () => {
    const { comfy, generate } = await setup(INPAINT)
    await generate({ images: [{ bytes: png }] })
    await generate({ images: [{ bytes: png }], prompt: 'again' })
    const graphs = comfy.graphs()
    expect(graphs[0]!['2']!.inputs.image).toBe(graphs[0]!['1']!.inputs.image)
    expect(graphs[1]!['1']!.inputs.image).toBe(graphs[0]!['1']!.inputs.image)
    expect(uploads(comfy)).toHaveLength(2)
    expect([...comfy.inputs.keys()]).toHaveLength(1)
  })

  it('refuses before any upload: a mask without {{mask}}, no image, two images', async () => {
    const { comfy, generate } = await setup(IMAGE_ONLY)
    const masked = await rejection(generate({ images: [{ bytes: png }], mask: { bytes: mask } }))
    expect(masked).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'mask' })
    const bare = await rejection(generate({}))
    expect(bare).toMatchObject({ status: 400, code: 'image_required' })
    const two = await rejection(generate({ images: [{ bytes: png }, { bytes: png }] }))
    expect(two).toMatchObject({ status: 400, code: 'too_many_images' })
    expect(comfy.requests).toHaveLength(0)
  })

  it('refuses an image for a workflow without {{image}}, the built-in one included', async () => {
    const { comfy, generate } = await setup(undefined)
    const error = await rejection(generate({ images: [{ bytes: png }] }))
    expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'image' })
    expect(comfy.requests).toHaveLength(0)
  })

  it('maps a refused upload (an auth proxy wanting a key) and queues nothing', async () => {
    const { comfy, generate } = await setup(IMAGE_ONLY, { key: 'proxy-secret' }, ['wrong-key'])
    const error = await rejection(generate({ images: [{ bytes: png }] }))
    expect(error).toMatchObject({ status: 502, code: 'no_usable_upstream' })
    expect(error.message).toMatch(/uploading the image/)
    expect(error.message).not.toContain('wrong-key')
    expect(comfy.graphs()).toEqual([])
  })
})
