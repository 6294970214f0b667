import { randomHex128 } from '../bytes/random.ts'

/**
 * The OpenAI chat wire objects: the non-streaming `chat.completion` and the streaming
 * `chat.completion.chunk`s, built in one place so both replies agree on ids, models and usage.
 */

/** What every object of one reply shares. */
export type CompletionMeta = {
  /** `chatcmpl-` and 32 random hex digits. */
  id: string
  /** Unix seconds. */
  created: number
  model: string
}

export type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export function newCompletionMeta(model: string, nowMs: number): CompletionMeta {
  return {
    id: `chatcmpl-${randomHex128()}`,
    created: Math.floor(nowMs / 1000),
    model,
  }
}

/**
 * Token estimate: one token per four characters, rounded up (OpenAI's rule of thumb for English).
 * There is no tokenizer behind an image model; the figure only has to be an integer that grows with
 * the text, not the characters-as-tokens count Flux-API-Worker reported. The prompt side counts the
 * prompt the gateway read (the last user message), not the history.
 */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)

export function usageOf(prompt: string, completion: string): Usage {
  const promptTokens = estimateTokens(prompt)
  const completionTokens = estimateTokens(completion)
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  }
}

/**
 * An image beside the text, OpenRouter's way (`message.images`, `delta.images`). In a stream it
 * carries its `index`, as OpenRouter's streamed images do.
 */
export type ImageOutput = { type: 'image_url'; image_url: { url: string }; index?: number }

/** The non-streaming reply; `images` only when they were asked for OpenRouter's way. */
export function chatCompletion(
  meta: CompletionMeta,
  content: string,
  usage: Usage,
  images?: ImageOutput[],
) {
  return {
    id: meta.id,
    object: 'chat.completion' as const,
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content, refusal: null, ...(images && { images }) },
        logprobs: null,
        finish_reason: 'stop' as const,
      },
    ],
    usage,
  }
}

export type ChunkDelta = { role?: 'assistant'; content?: string; images?: ImageOutput[] }

/** One streaming chunk with a single choice. */
export function chunk(meta: CompletionMeta, delta: ChunkDelta, finishReason: 'stop' | null = null) {
  return {
    id: meta.id,
    object: 'chat.completion.chunk' as const,
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
}

/** The last chunk when `stream_options.include_usage` is set: no choices, only usage. */
export function usageChunk(meta: CompletionMeta, usage: Usage) {
  return {
    id: meta.id,
    object: 'chat.completion.chunk' as const,
    created: meta.created,
    model: meta.model,
    choices: [],
    usage,
  }
}
