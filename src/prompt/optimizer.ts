import { GatewayError } from '../errors.ts'
import type { Gateway, PreparedPrompt, PromptPreparer } from '../generate/index.ts'
import { withTimeout } from '../http/deadline.ts'
import { cutPrompt } from '../providers/fit.ts'
import type { ProviderBindings } from '../providers/types.ts'
import {
  type ChatMessage,
  chatCompletionsUrl,
  LLM_NAME,
  openAiCompatibleLlm,
  type PromptLlm,
  workersAiLlm,
} from './llm.ts'
import { OPTIMIZE_SYSTEM_MESSAGE, TRANSLATE_SYSTEM_MESSAGE } from './system-messages.ts'

/**
 * Prompt translation and optimization. A failed, slow or refusing LLM never fails the request: the
 * original prompt is used and the result's `note` says why. That holds for a content refusal too
 * (GLM code 1301, finish_reason "sensitive"): the LLM's filter is not the image model's, and if the
 * image upstream also refuses, that refusal is what the client sees, as `content_policy_violation`.
 */

/**
 * The LLM for prompts, in order of preference: Flux-API-Worker's EXTERNAL_* API, freefluxapi's
 * PROCESS_* (Zhipu GLM), then on Workers the `AI` binding's text model. Undefined when none is
 * available.
 */
export function selectPromptLlm(
  gateway: Pick<Gateway, 'config' | 'fetch'>,
  bindings: ProviderBindings = {},
): PromptLlm | undefined {
  const { external, process, workersAiModel } = gateway.config.optimizer
  if (external) {
    const url = chatCompletionsUrl(external.baseUrl, 'external')
    return openAiCompatibleLlm({ ...external, url, fetch: gateway.fetch })
  }
  if (process) {
    const url = chatCompletionsUrl(process.baseUrl, 'process')
    return openAiCompatibleLlm({ ...process, url, fetch: gateway.fetch })
  }
  if (bindings.ai) return workersAiLlm({ binding: bindings.ai, model: workersAiModel })
  return undefined
}

/**
 * Builds the gateway's PromptPreparer, or undefined when no LLM is configured (prompts then go
 * through unchanged). Per call: `optimize` rewrites the prompt (the chat route passes `PROMPT_OPTIMIZATION`);
 * otherwise a prompt with non-ASCII letters is translated when `TRANSLATE_PROMPTS` is on;
 * otherwise the LLM is not called at all.
 */
export function createPromptPreparer(
  gateway: Pick<Gateway, 'config' | 'fetch'>,
  bindings: ProviderBindings = {},
): PromptPreparer | undefined {
  const llm = selectPromptLlm(gateway, bindings)
  if (!llm) return undefined
  const { config } = gateway
  const optimizeMessage = config.optimizer.systemMessage ?? OPTIMIZE_SYSTEM_MESSAGE

  return async (prompt, { optimize, maxLength, signal }): Promise<PreparedPrompt> => {
    const rewrite = optimize
    if (!rewrite && !(config.translatePrompts && needsTranslation(prompt))) {
      return { prompt, promptModel: null }
    }
    const messages: ChatMessage[] = [
      { role: 'system', content: rewrite ? optimizeMessage : TRANSLATE_SYSTEM_MESSAGE },
      { role: 'user', content: prompt },
    ]
    // The optimizer's own timeout, so a slow LLM leaves time for the image itself.
    const timeout = withTimeout(
      signal,
      config.optimizer.timeoutMs,
      'The prompt optimizer timed out',
    )
    try {
      const reply = await llm.complete(messages, {
        signal: timeout.signal,
        temperature: rewrite ? 0.7 : 0.2,
      })
      const cleaned = cleanReply(reply)
      if (!cleaned) return fallback(prompt, 'returned an empty prompt')
      return { prompt: cutPrompt(cleaned, maxLength), promptModel: llm.model }
    } catch (error) {
      return fallback(prompt, describeFailure(error, timeout.signal.aborted && !signal.aborted))
    } finally {
      timeout.done()
    }
  }
}

/**
 * True when the prompt holds letters outside ASCII (Chinese, Cyrillic, accented Latin).
 * Punctuation and emoji alone (curly quotes, dashes) do not cost an LLM call.
 */
export function needsTranslation(prompt: string): boolean {
  return /[^\P{L}\x00-\x7F]/u.test(prompt)
}

function fallback(prompt: string, reason: string): PreparedPrompt {
  return { prompt, promptModel: null, note: `${LLM_NAME} ${reason}; original prompt used` }
}

function describeFailure(error: unknown, timedOut: boolean): string {
  const upstream = error instanceof GatewayError ? error.upstream : undefined
  if (timedOut || upstream?.failure === 'timeout') return 'timed out'
  switch (upstream?.failure) {
    case 'rate-limited':
      return 'was rate-limited'
    case 'refused':
      return 'refused the prompt (content filter)'
    case 'unauthorized':
      return 'rejected its API key'
    case 'network':
      return 'could not be reached'
    case 'server':
    case 'bad-request': {
      // upstreamError messages read "prompt optimizer: <detail>", safe to show.
      const detail = (error as GatewayError).message.replace(`${LLM_NAME}: `, '')
      return `failed (${detail})`
    }
    default:
      return 'failed'
  }
}

const THINK_TAGS = 'think|thinking|reasoning'
const THINK_BLOCK = new RegExp(`<(${THINK_TAGS})>[\\s\\S]*?</\\1>`, 'gi')
/** A reply cut off mid-thought: nothing usable follows the opening tag. */
const THINK_UNTERMINATED = new RegExp(`<(?:${THINK_TAGS})>[\\s\\S]*$`, 'i')
/** Some chat templates (DeepSeek-R1) drop the opening tag and leave only the closing one. */
const THINK_ORPHAN_CLOSE = new RegExp(`^[\\s\\S]*</(?:${THINK_TAGS})>`, 'i')
const FENCE = /^```[\w-]*\s*([\s\S]*?)\s*```$/
const PREAMBLE =
  /^(?:(?:sure|certainly|okay|ok)[,.!]?\s*)?here(?:'s| is| are)\b[^:\n]*?(?:prompt|translation)[^:\n]*:\s*/i
const LABEL =
  /^(?:\*\*|__)?\s*(?:(?:optimi[sz]ed|enhanced|improved|rewritten|english|translated|final|flux|image)\s+)*(?:prompt|translation)\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*/i
const QUOTE_PAIRS: [string, string][] = [
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
  ['«', '»'],
  ['`', '`'],
]

/**
 * The prompt inside an LLM reply: think blocks removed, then a code fence, a "Here is the
 * prompt:" preamble, a "Prompt:" label and surrounding quotes, all on one line.
 */
export function cleanReply(reply: string): string {
  let text = reply
    .replace(THINK_BLOCK, '')
    .replace(THINK_UNTERMINATED, '')
    .replace(THINK_ORPHAN_CLOSE, '')
    .trim()
  text = FENCE.exec(text)?.[1] ?? text
  text = text.replace(PREAMBLE, '').replace(/\s+/g, ' ').trim()
  for (let previous = ''; previous !== text; ) {
    previous = text
    text = unquote(text.replace(LABEL, '').trim())
  }
  return text
}

function unquote(text: string): string {
  for (const [open, close] of QUOTE_PAIRS) {
    if (text.length < 2 || !text.startsWith(open) || !text.endsWith(close)) continue
    const inner = text.slice(open.length, -close.length)
    // `"a" and "b"` is not one quoted prompt; apostrophes inside 'a cat's toy' are fine.
    const nested = open === "'" ? /(^|\s)'|'(\s|$)/.test(inner) : inner.includes(close)
    if (!nested) return inner.trim()
  }
  return text
}
