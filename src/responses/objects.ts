import { encodeBase64 } from '../bytes/base64.ts'
import { randomHex128 } from '../bytes/random.ts'
import { usageOf } from '../chat/completion.ts'
import type { GeneratedRecord, GenerationResult } from '../generate/index.ts'

/**
 * The wire objects of OpenAI's Responses API, built in one place so the JSON reply and the
 * stream agree: the `response` object, its output items (an assistant `message` with one
 * `output_text`, an `image_generation_call`) and its usage. Fields the SDKs parse are always
 * present; the ones that describe stored state say that nothing is stored.
 */

/** What every object of one reply shares, and what OpenAI echoes of the request. */
export type ResponseMeta = {
  /** `resp_` and 32 random hex digits. */
  id: string
  /** Unix seconds. */
  created_at: number
  model: string
  instructions: string | null
  tools: unknown[]
}

/** A new id in OpenAI's style: `resp_...`, `msg_...`, `ig_...`. */
export const newItemId = (prefix: 'resp' | 'msg' | 'ig') => `${prefix}_${randomHex128()}`

export function newResponseMeta(
  request: { instructions: string | null; tools: unknown[] },
  model: string,
  nowMs: number,
): ResponseMeta {
  return {
    id: newItemId('resp'),
    created_at: Math.floor(nowMs / 1000),
    model,
    instructions: request.instructions,
    tools: request.tools,
  }
}

export const outputText = (text: string) => ({
  type: 'output_text' as const,
  text,
  annotations: [],
  logprobs: [],
})

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete'

/** The assistant's message; its one `output_text` once there is text (none while it opens). */
export const messageItem = (id: string, status: ItemStatus, text?: string) => ({
  id,
  type: 'message' as const,
  status,
  role: 'assistant' as const,
  content: text === undefined ? [] : [outputText(text)],
})

/** The image tool's call while it runs: no result yet. */
export const pendingImageCall = (id: string) => ({
  id,
  type: 'image_generation_call' as const,
  status: 'in_progress' as const,
  result: null,
})

/**
 * The finished image tool call as OpenAI sends it: the image as base64 in `result`, the prompt
 * the model drew, the image's real size, and `echo`, what the Images API says of the output
 * (its real format, the quality, the background).
 */
export function imageCallItem(
  id: string,
  image: GeneratedRecord,
  result: GenerationResult,
  echo: object,
) {
  return {
    id,
    type: 'image_generation_call' as const,
    status: 'completed' as const,
    ...echo,
    result: encodeBase64(image.bytes),
    revised_prompt: result.finalPrompt,
    size: `${image.width}x${image.height}`,
  }
}

export type OutputItem =
  | ReturnType<typeof messageItem>
  | ReturnType<typeof pendingImageCall>
  | ReturnType<typeof imageCallItem>

/** OpenAI's usage fields, from the same estimate as chat (completion.ts). */
export function responsesUsage(prompt: string, text: string) {
  const usage = usageOf(prompt, text)
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  }
}

export type ResponseState = {
  status: 'in_progress' | 'completed' | 'failed'
  output: OutputItem[]
  usage?: ReturnType<typeof responsesUsage>
  /** A failed response's error, as `response.error`. */
  error?: { code: string; message: string }
}

/** The `response` object, whole: the JSON reply, and the snapshot stream events carry. */
export function responseObject(meta: ResponseMeta, state: ResponseState) {
  return {
    id: meta.id,
    object: 'response' as const,
    created_at: meta.created_at,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: null,
    instructions: meta.instructions,
    model: meta.model,
    output: state.output,
    previous_response_id: null,
    store: false,
    tools: meta.tools,
    usage: state.usage ?? null,
  }
}
