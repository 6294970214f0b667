import { upstreamError } from '../http.ts'
import type { ImageProvider, ProviderModule } from '../types.ts'
import {
  type ComfyConnection,
  cancelPrompt,
  fetchImage,
  type HistoryEntry,
  pickImages,
  submitPrompt,
  waitForHistory,
} from './client.ts'
import { readSettings } from './settings.ts'
import { uploadImage } from './upload.ts'
import { fillWorkflow } from './workflow.ts'

/** ComfyUI's own default address. */
export const COMFYUI_BASE_URL = 'http://127.0.0.1:8188'

/** Seeds drawn when the request has none but the workflow takes one (ComfyUI allows 64 bits). */
const MAX_SEED = 2 ** 31 - 1

/**
 * A self-hosted ComfyUI (a PROVIDERS entry `{"type": "comfyui", "baseUrl": ..., "options":
 * {"workflow": ..., "outputNode": ...}}`). Each call fills the workflow's placeholders, queues it,
 * polls /history until it has run, and fetches the saved image through /view; an edit uploads its
 * image (and mask) first, for `{{image}}` (and `{{mask}}`). Keyless; a key,
 * when given, is sent as a bearer token for a ComfyUI behind an authenticating proxy. `models`
 * names the public ids the workflow answers to (default: `flux-schnell` for the built-in graph,
 * `comfyui` for your own). Options are checked in create(), so a bad workflow stops start-up
 * (providers/build.ts); see settings.ts for every option.
 */
export const comfyuiProvider: ProviderModule = {
  type: 'comfyui',
  keyless: true,
  // What SaveImage writes; a workflow that saves another format is caught when it is sniffed.
  outputFormats: ['png'],
  create(entry, { name }): ImageProvider {
    const settings = readSettings(entry)
    const baseUrl = (entry.baseUrl ?? COMFYUI_BASE_URL).replace(/\/+$/, '')
    return {
      type: 'comfyui',
      name,
      models: [settings.model],
      async generate(request, { key, signal, fetch, onProgress }) {
        const seed = settings.model.capabilities.seed
          ? (request.seed ?? Math.floor(Math.random() * MAX_SEED))
          : undefined
        const connection: ComfyConnection = { provider: name, baseUrl, key, signal, fetch }
        const [source] = request.images ?? []
        let image: string | undefined
        let mask: string | undefined
        if (source) {
          onProgress?.('uploading the image to ComfyUI')
          image = await uploadImage(connection, source)
          // Without a mask, the image's own transparency is the mask, as in OpenAI's edits.
          mask = request.mask ? await uploadImage(connection, request.mask) : image
        }
        const workflow = fillWorkflow(settings.workflow, {
          prompt: request.prompt,
          negativePrompt: request.negativePrompt ?? '',
          width: request.width,
          height: request.height,
          seed,
          steps: request.steps,
          image,
          mask,
        })
        const { promptId, number } = await submitPrompt(connection, workflow)
        onProgress?.(number === undefined ? 'queued on ComfyUI' : `queued on ComfyUI as #${number}`)
        let finished: HistoryEntry
        try {
          finished = await waitForHistory(connection, promptId, settings.pollIntervalMs)
        } catch (error) {
          // The client left or the attempt timed out: free the GPU rather than finish unseen work.
          if (signal.aborted) void cancelPrompt({ provider: name, baseUrl, key, fetch }, promptId)
          throw error
        }
        const refs = pickImages(finished, settings.outputNode, request.n)
        if (refs.length === 0) {
          const where = settings.outputNode ? `node ${settings.outputNode}` : 'any node'
          throw upstreamError(name, 'server', `the workflow ran but ${where} saved no image`)
        }
        onProgress?.('downloading the image')
        const images = await Promise.all(refs.map((ref) => fetchImage(connection, ref)))
        return { images, seed }
      },
    }
  },
}
