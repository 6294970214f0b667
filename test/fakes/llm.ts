import type { ServerResponse } from 'node:http'
import {
  delay,
  type FakeServer,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from './server.ts'

/**
 * A fake OpenAI-compatible chat completions upstream (also Zhipu GLM's flavour): answers
 * `POST .../chat/completions` the way those APIs do, byte for byte, including GLM's error body
 * `{"error":{"code":"1301","message":"..."}}` and slowness. Every call is recorded.
 */

/** What the fake does with the next call(s). */
export type LlmBehaviour =
  | { kind: 'answer'; content: string | null; finishReason?: string }
  /** Waits `ms` before the headers, or after the headers and before the body. */
  | { kind: 'slow'; ms: number; stage: 'headers' | 'body'; content: string }
  | { kind: 'raw'; status: number; contentType: string; body: string }
  | { kind: 'error'; status: number; body: unknown }

/** A chat completion call as the fake received it. */
export type LlmCall = {
  path: string
  /** The Authorization header, to assert the right key went to the right upstream. */
  authorization: string | undefined
  body: {
    model: string
    messages: { role: string; content: string }[]
    temperature?: number
    stream?: boolean
  }
}

export type FakeLlm = FakeServer & {
  calls: LlmCall[]
  /** Sets the behaviour for every following call (default: answers `A girl`). */
  respondWith(behaviour: LlmBehaviour): void
}

export const answer = (content: string | null, finishReason = 'stop'): LlmBehaviour => ({
  kind: 'answer',
  content,
  finishReason,
})
export const withThinking = (thought: string, content: string) =>
  answer(`<think>\n${thought}\n</think>\n\n${content}`)
export const slow = (ms: number, stage: 'headers' | 'body' = 'headers'): LlmBehaviour => ({
  kind: 'slow',
  ms,
  stage,
  content: 'too late',
})
export const serverError = (): LlmBehaviour => ({
  kind: 'error',
  status: 500,
  body: { error: { message: 'The server had an error', type: 'server_error', code: null } },
})
export const malformed = (): LlmBehaviour => ({
  kind: 'raw',
  status: 200,
  contentType: 'application/json',
  body: '{"id":"chatcmpl-1","choices":[{"message":',
})
/** Zhipu's error body: the code is a string. */
export const glmError = (status: number, code: string, message: string): LlmBehaviour => ({
  kind: 'error',
  status,
  body: { error: { code, message } },
})
export const glmSensitive = () =>
  glmError(400, '1301', '系统检测到输入或生成内容可能包含不安全或敏感内容')
export const glmRateLimited = () => glmError(429, '1302', '您当前使用该API的并发数过高，请降低并发')

/** Starts the fake; `flavour: 'glm'` adds Zhipu's `request_id` to replies. */
export async function startFakeLlm(options: { flavour?: 'openai' | 'glm' } = {}): Promise<FakeLlm> {
  let behaviour: LlmBehaviour = answer('A girl')
  const calls: LlmCall[] = []
  const server = await startFakeServer(async (request, response) => {
    if (request.method !== 'POST' || !request.path.endsWith('/chat/completions')) {
      sendJson(response, 404, {
        error: { message: `Unknown path ${request.path}`, type: 'invalid_request_error' },
      })
      return
    }
    const call = record(request)
    calls.push(call)
    await respond(behaviour, call, response, options.flavour ?? 'openai')
  })
  return {
    ...server,
    calls,
    respondWith(next) {
      behaviour = next
    },
  }
}

function record(request: RecordedRequest): LlmCall {
  const authorization = request.headers.authorization
  return { path: request.path, authorization, body: JSON.parse(request.body.toString('utf8')) }
}

async function respond(
  behaviour: LlmBehaviour,
  call: LlmCall,
  response: ServerResponse,
  flavour: 'openai' | 'glm',
) {
  switch (behaviour.kind) {
    case 'answer':
      sendJson(response, 200, completion(call, behaviour.content, behaviour.finishReason, flavour))
      return
    case 'slow': {
      const body = JSON.stringify(completion(call, behaviour.content, 'stop', flavour))
      if (behaviour.stage === 'headers') await delay(behaviour.ms)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.flushHeaders()
      if (behaviour.stage === 'body') await delay(behaviour.ms)
      if (!response.destroyed) response.end(body)
      return
    }
    case 'raw':
      response.writeHead(behaviour.status, { 'content-type': behaviour.contentType })
      response.end(behaviour.body)
      return
    case 'error':
      sendJson(response, behaviour.status, behaviour.body)
  }
}

/** OpenAI's `chat.completion` object; GLM sends the same plus `request_id`. */
function completion(
  call: LlmCall,
  content: string | null,
  finishReason: string | undefined,
  flavour: 'openai' | 'glm',
) {
  const promptTokens = call.body.messages.reduce((sum, m) => sum + m.content.length, 0)
  const completionTokens = content?.length ?? 0
  return {
    id: 'chatcmpl-8fakeLlm0001',
    object: 'chat.completion',
    created: 1_767_225_600,
    model: call.body.model,
    ...(flavour === 'glm' ? { request_id: '20260101000000fake' } : {}),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        finish_reason: finishReason ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  }
}
