import { downloadImage } from '../download.ts'
import { resolveModels } from '../models.ts'
import { readOptions } from '../options.ts'
import { pollIntervalOption } from '../poll.ts'
import type { ProviderModule } from '../types.ts'
import { BFL_MODELS, bflInput, genericModel } from './models.ts'
import { runTask } from './task.ts'

/**
 * Black Forest Labs' API, with the key in an `x-key` header. Every generation is a task that is
 * polled until ready; its result URL lives 10 minutes, so it is downloaded at once.
 */
export const BFL_BASE_URL = 'https://api.bfl.ai'

export const bflProvider: ProviderModule = {
  type: 'bfl',
  outputFormats: ['jpeg', 'png', 'webp'],
  create(entry, { name }) {
    const { pollIntervalMs: intervalMs } = readOptions(entry, {
      pollIntervalMs: pollIntervalOption,
    })
    const baseUrl = (entry.baseUrl ?? BFL_BASE_URL).replace(/\/+$/, '')
    return {
      type: 'bfl',
      name,
      models: resolveModels(BFL_MODELS, entry.models, genericModel),
      async generate(request, context) {
        const { model } = context
        const task = await runTask({
          provider: name,
          baseUrl,
          endpoint: model.id,
          input: await bflInput(model, request),
          intervalMs,
          context,
        })
        context.onProgress?.(`${name}: downloading the image`)
        const image = await downloadImage(task.url, {
          provider: name,
          baseUrl,
          signal: context.signal,
          fetch: context.fetch,
        })
        return { images: [image], seed: task.seed ?? request.seed }
      },
    }
  },
}
