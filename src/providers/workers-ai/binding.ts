import * as z from 'zod/mini'
import { decodeBase64 } from '../../bytes/base64.ts'
import { GatewayError } from '../../errors.ts'
import { abortOrNetworkError, upstreamError } from '../http.ts'
import type { AiBinding, CallContext, GeneratedImage, InputImage } from '../types.ts'
import { bindingError } from './errors.ts'
import type { WorkersAiModel } from './models.ts'
import { toFormData } from './rest.ts'

/**
 * Workers AI through the `AI` binding: no token, no network hop of ours. FLUX.2 takes its
 * multipart body as `{ multipart: { body, contentType } }`, serialized through a Response (the
 * FLUX.2 model pages), an edit's images in it as files. flux-1-schnell answers `{ image: base64 }`; Phoenix, SDXL and Dreamshaper
 * answer a `ReadableStream<Uint8Array>` of image bytes.
 */

export type BindingCall = {
  provider: string
  model: WorkersAiModel
  inputs: Record<string, string | number>
  images: InputImage[]
  context: CallContext
  now: () => number
}

const base64Output = z.object({ image: z.string().check(z.minLength(1)) })

/** Runs one model call through the binding and returns its image, or throws a mapped error. */
export async function runBinding(ai: AiBinding, call: BindingCall): Promise<GeneratedImage> {
  const { provider, model, context } = call
  const { signal } = context
  let inputs: unknown = call.inputs
  if (model.input === 'multipart') {
    const encoded = new Response(toFormData(call.inputs, call.images))
    inputs = {
      multipart: { body: encoded.body, contentType: encoded.headers.get('content-type') ?? '' },
    }
  }
  try {
    const output = await untilAborted(ai.run(model.id, inputs, { signal }), signal)
    return await readOutput(provider, output)
  } catch (error) {
    if (signal.aborted) throw abortOrNetworkError(provider, signal, error)
    if (error instanceof GatewayError) throw error
    throw bindingError(provider, error, { now: call.now() })
  }
}

async function readOutput(provider: string, output: unknown): Promise<GeneratedImage> {
  if (output instanceof ReadableStream) {
    // Response collects a stream natively, in one buffer.
    return { bytes: new Uint8Array(await new Response(output).arrayBuffer()) }
  }
  if (output instanceof Response) return { bytes: new Uint8Array(await output.arrayBuffer()) }
  if (output instanceof Uint8Array) return { bytes: output }
  if (output instanceof ArrayBuffer) return { bytes: new Uint8Array(output) }
  const parsed = base64Output.safeParse(output)
  if (!parsed.success) throw upstreamError(provider, 'server', 'the reply held no image')
  try {
    return { bytes: decodeBase64(parsed.data.image) }
  } catch {
    throw upstreamError(provider, 'server', 'malformed reply: the image is not base64')
  }
}

/**
 * Stops waiting when the signal fires, even if the binding ignores the `signal` option, so the
 * pool can move to the next target at the attempt deadline.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort))
}
