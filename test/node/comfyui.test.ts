import { describe, expect, it } from 'vitest'
import { errorHeaders } from '../../src/errors.ts'
import { sniffImage } from '../../src/image/sniff.ts'
import { closedAfterEach, eventually, gatewayFor, rejection } from '../contracts/provider.ts'
import { type FakeComfyOptions, startFakeComfy } from '../fakes/comfyui.ts'

/**
 * The comfyui provider against a fake ComfyUI on 127.0.0.1, through generateImages (the path
 * every endpoint uses): placeholders filled with the fitted values as the right JSON types,
 * /history polled until the run is done, the saved PNG fetched through /view, failures mapped,
 * and an abort that stops polling and interrupts the prompt.
 */

/** A custom API-format graph holding every placeholder, plus literals that must survive. */
const WORKFLOW = {
  '1': { class_type: 'UNETLoader', inputs: { unet_name: 'flux1-dev.safetensors' } },
  '2': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['10', 0] } },
  '3': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['10', 0] } },
  '5': {
    class_type: 'EmptyLatentImage',
    inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 },
  },
  '6': {
    class_type: 'KSampler',
    inputs: { seed: '{{seed}}', steps: '{{steps}}', cfg: 3.5, model: ['1', 0], latent: ['5', 0] },
  },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'x', images: ['6', 0] } },
}

const track = closedAfterEach()

async function setup(
  entry: { models?: string[]; keys?: string[]; options?: Record<string, unknown> } = {},
  fakeOptions: FakeComfyOptions = {},
  env: Record<string, string> = {},
) {
  const fake = track(await startFakeComfy(fakeOptions))
  const { options, ...rest } = entry
  const provider = { type: 'comfyui', baseUrl: fake.url, ...rest }
  return {
    fake,
    ...gatewayFor([{ ...provider, options: { pollIntervalMs: 10, ...options } }], env),
  }
}

describe('comfyui provider', () => {
  it('fills every placeholder with the fitted value, as a number where ComfyUI wants one', async () => {
    const { fake, storage, generate } = await setup({
      models: ['flux-dev'],
      options: { workflow: WORKFLOW },
    })
    const result = await generate({
      model: 'flux-dev',
      width: 500,
      height: 350,
      steps: 9,
      seed: 42,
      negativePrompt: 'blurry, text',
    })

    const [graph] = fake.graphs()
    expect(graph!['2']!.inputs).toEqual({ text: 'a red fox in fresh snow', clip: ['10', 0] })
    expect(graph!['3']!.inputs.text).toBe('blurry, text')
    // 500x350 is not in multiples of 8: it was fitted to 504x352 before it reached the graph.
    expect(graph!['5']!.inputs).toEqual({ width: 504, height: 352, batch_size: 1 })
    expect(graph!['6']!.inputs).toEqual({
      seed: 42,
      steps: 9,
      cfg: 3.5,
      model: ['1', 0],
      latent: ['5', 0],
    })
    expect(graph!['1']).toEqual(WORKFLOW['1'])
    expect(result.warnings).toEqual(['size 500x350 fitted to 504x352'])

    // `{}` twice, then the outputs; then exactly one /view for node 9's file.
    expect(fake.polls()).toBe(3)
    const views = fake.requests.filter((r) => r.path.startsWith('/view?'))
    expect(views.map((r) => r.path)).toEqual([
      '/view?filename=fluxgate_00001_.png&subfolder=&type=output',
    ])
    const [image] = result.images
    expect(image!.bytes).toEqual(fake.served[0])
    expect(sniffImage(image!.bytes)).toMatchObject({ width: 504, height: 352 })
    expect((await storage.get(image!.key!))?.body).toEqual(fake.served[0])
    expect(result).toMatchObject({ model: 'flux-dev', provider: 'comfyui', seed: 42 })
  })

  it('runs the built-in Flux schnell graph when no workflow is given', async () => {
    const { fake, catalogue, generate } = await setup()
    expect(catalogue.publicIds).toEqual(['flux-schnell'])
    const result = await generate({ seed: 7 })
    const [graph] = fake.graphs()
    expect(graph!['6']!.inputs.text).toBe('a red fox in fresh snow')
    expect(graph!['5']!.inputs).toMatchObject({ width: 1024, height: 1024 })
    expect(graph!['3']!.inputs).toMatchObject({ seed: 7, steps: 4, cfg: 1 })
    expect(graph!['9']!.class_type).toBe('SaveImage')
    expect(result.images[0]).toMatchObject({ contentType: 'image/png', width: 1024, height: 1024 })
    // Schnell ignores the negative conditioning at cfg 1, so the model does not claim it.
    expect((await generate({ negativePrompt: 'text' })).warnings).toContain(
      'this model does not take a negative prompt',
    )
  })

  it('answers 400 with the node errors when ComfyUI rejects the graph, without retrying', async () => {
    const { fake, generate } = await setup({}, { mode: 'invalid' })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 400, code: 'upstream_rejected_request' })
    expect(error.message).toMatch(/Prompt outputs failed validation/)
    expect(error.message).toMatch(/node 4 \(CheckpointLoaderSimple\): Value not in list: ckpt_name/)
    expect(errorHeaders(error)['x-should-retry']).toBe('false')
    expect(fake.graphs()).toHaveLength(1)
    expect(fake.polls()).toBe(0)
  })

  it('reports a failed run as a server failure quoting the failing node', async () => {
    const { generate, catalogue } = await setup({}, { mode: 'run-error' })
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 502, code: 'upstream_failed' })
    expect(catalogue.targets[0]!.health.lastError).toMatch(
      /workflow failed in node 3 \(KSampler\): Allocation on device .*out of memory/,
    )
  })

  it('treats a /prompt reply that is not JSON as a server failure', async () => {
    const { generate, catalogue } = await setup({}, { mode: 'malformed' })
    await rejection(generate())
    expect(catalogue.targets[0]!.health).toMatchObject({ failureStreak: 1 })
  })

  it('stops polling at once on abort and interrupts the prompt', async () => {
    const { fake, generate, catalogue } = await setup({}, { mode: 'slow', slowMs: 10_000 })
    const controller = new AbortController()
    const pending = rejection(generate({ signal: controller.signal }))
    await eventually(() => expect(fake.polls()).toBeGreaterThanOrEqual(2))
    const aborted = Date.now()
    controller.abort()
    const error = await pending
    expect(Date.now() - aborted).toBeLessThan(500)
    expect(error).toMatchObject({ status: 499, code: 'client_closed' })

    // The prompt id the fake handed out, as the provider polled it.
    const polled = fake.requests.find((r) => r.path.startsWith('/history/'))!.path
    const id = polled.slice('/history/'.length)
    await eventually(() => expect(fake.interrupts()).toEqual([{ prompt_id: id }]))
    expect(fake.queueDeletes()).toEqual([{ delete: [id] }])
    const polls = fake.polls()
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(fake.polls()).toBe(polls)
    expect(catalogue.targets[0]!.health).toMatchObject({ failures: 0 })
  })

  it('drops a prompt still queued on abort, never interrupting the one that runs', async () => {
    const { fake, generate } = await setup({}, { queuedBehind: true })
    const controller = new AbortController()
    const pending = rejection(generate({ signal: controller.signal }))
    await eventually(() => expect(fake.polls()).toBeGreaterThanOrEqual(1))
    controller.abort()
    await pending
    await eventually(() => expect(fake.queueDeletes()).toHaveLength(1))
    // It asked what runs, saw another client's prompt, and left that one alone.
    const asked = () => fake.requests.some((r) => r.method === 'GET' && r.path === '/queue')
    await eventually(() => expect(asked()).toBe(true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(fake.interrupts()).toEqual([])
  })

  it('interrupts the prompt when the attempt times out, and answers 504', async () => {
    const { fake, generate } = await setup(
      {},
      { mode: 'slow', slowMs: 10_000 },
      {
        REQUEST_TIMEOUT: '1',
        UPSTREAM_TIMEOUT: '1',
      },
    )
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 504 })
    await eventually(() => expect(fake.interrupts()).toHaveLength(1))
  })

  it('sends an optional key as a bearer token to every call, the image included', async () => {
    const { fake, generate } = await setup(
      { keys: ['proxy-token-123'] },
      { key: 'proxy-token-123' },
    )
    await generate()
    expect(fake.requests.length).toBeGreaterThanOrEqual(4)
    for (const request of fake.requests) {
      expect(request.headers.authorization).toBe('Bearer proxy-token-123')
    }
  })

  it('disables a rejected key without quoting it', async () => {
    const { generate, catalogue } = await setup({ keys: ['wrong-token-456'] }, { key: 'right' })
    const error = await rejection(generate())
    expect(error.message).not.toContain('wrong-token-456')
    expect(catalogue.targets[0]!.health.disabled).toMatch(/key was rejected \(HTTP 401\)/)
  })
})
