import { afterEach, describe, expect, it } from 'vitest'
import { OPTIMIZE_SYSTEM_MESSAGE } from '../../src/prompt/system-messages.ts'
import { answer, type FakeLlm, glmRateLimited, startFakeLlm } from '../fakes/llm.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * Prompt optimization end to end: the real Node gateway, a real HTTP fake LLM, and
 * `POST /v1/chat/completions` answering with Flux-API-Worker's reply layout (demo image provider).
 */

/** A gateway whose prompt LLM is the GLM fake, configured the freefluxapi way. */
const glmGateway = (glm: FakeLlm) =>
  startGateway({ PROCESS_API_KEY: 'glm-key.secret', PROCESS_API_BASE: `${glm.url}/api/paas/v4` })

let llm: FakeLlm | undefined
let gateway: RunningGateway | undefined
afterEach(async () => {
  await gateway?.close()
  await llm?.close()
  gateway = llm = undefined
})

async function chat(content: string): Promise<string> {
  const response = await fetch(`${gateway!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content }] }),
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { choices: { message: { content: string } }[] }
  return body.choices[0]!.message.content
}

describe('prompt optimizer through the gateway', () => {
  it('shows the optimized prompt and the LLM model with PROMPT_OPTIMIZATION=true', async () => {
    llm = await startFakeLlm()
    llm.respondWith(answer('Prompt: "A fluffy cat on a windowsill, golden hour light"'))
    gateway = await startGateway({
      EXTERNAL_API_BASE: `${llm.url}/v1`,
      EXTERNAL_MODEL: 'gpt-4o-mini',
      EXTERNAL_API_KEY: 'sk-never-logged',
      PROMPT_OPTIMIZATION: 'true',
    })
    const text = await chat('A cute cat 16:9')
    expect(text).toContain('💬 Prompt generation model: gpt-4o-mini')
    expect(text).toContain('🌐 Optimized prompt: `A fluffy cat on a windowsill, golden hour light`')
    expect(text).toMatch(/!\[[^\]]*\]\(http:\/\/127\.0\.0\.1:\d+\/image\/[\w-]+\)/)
    // The ratio is an option, taken out before the LLM sees the prompt.
    expect(llm.calls.map((call) => call.body.messages)).toEqual([
      [
        { role: 'system', content: OPTIMIZE_SYSTEM_MESSAGE },
        { role: 'user', content: 'A cute cat' },
      ],
    ])
    expect(JSON.stringify(gateway.logs)).not.toContain('sk-never-logged')
  })

  it('translates a Chinese prompt through GLM (PROCESS_API_KEY) and names glm-4-flash', async () => {
    llm = await startFakeLlm({ flavour: 'glm' })
    llm.respondWith(answer('A girl'))
    gateway = await glmGateway(llm)
    const text = await chat('一位女孩')
    expect(text).toContain('🎨 Original prompt: `一位女孩')
    expect(text).toContain('💬 Prompt generation model: glm-4-flash')
    expect(text).toContain('🌐 Optimized prompt: `A girl')
    expect(llm.calls[0]?.path).toBe('/api/paas/v4/chat/completions')
    expect(llm.calls[0]?.authorization).toBe('Bearer glm-key.secret')
  })

  it('still draws the original prompt, with a note, when GLM is rate-limited', async () => {
    llm = await startFakeLlm({ flavour: 'glm' })
    llm.respondWith(glmRateLimited())
    gateway = await glmGateway(llm)
    const text = await chat('一位女孩')
    expect(text).toContain('💬 Prompt generation model: Original Prompt')
    expect(text).toContain('🌐 Optimized prompt: `一位女孩')
    expect(text).toContain('prompt optimizer was rate-limited; original prompt used')
    expect(text).toContain('/image/')
    expect(llm.calls).toHaveLength(1)
  })
})
