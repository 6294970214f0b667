import { Marked } from 'marked'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSse } from '../../src/chat/__fixtures__/sse.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * A hostile prompt and model name sent through the real gateway come back as text: the rendered
 * reply holds the gateway's one image and no link, image or HTML of the sender's.
 */

const PROMPT = 'a fox ](http://elsewhere/x.png) ![ <img src=x onerror=alert(1)>'
const MODEL = '![m](http://elsewhere/m.png)'

let gateway: RunningGateway
beforeAll(async () => {
  gateway = await startGateway({})
})
afterAll(() => gateway.close())

async function replyContent(stream: boolean): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream, messages: [{ role: 'user', content: PROMPT }] }),
  })
  expect(response.status).toBe(200)
  if (!stream) return (await response.json()).choices[0].message.content
  return parseSse(await response.text())
    .flatMap((block) => (block.kind === 'data' && block.data !== '[DONE]' ? [block.data] : []))
    .map((data) => JSON.parse(data).choices[0]?.delta.content ?? '')
    .join('')
}

describe.each([false, true])('chat reply with a hostile prompt, stream %s', (stream) => {
  it('renders one image, the gateway’s, and the prompt and model as text', async () => {
    const html = new Marked().parse(await replyContent(stream), { async: false })
    const sources = [...html.matchAll(/<img\s[^>]*src="([^"]*)"/g)].map((match) => match[1])
    expect(sources).toHaveLength(1)
    expect(sources[0]).toMatch(new RegExp(`^${gateway.url}/image/[\\w-]+$`))
    expect(html).not.toMatch(/<a\s/)
    expect(html).toContain(
      '<code>a fox ](http://elsewhere/x.png) ![ &lt;img src=x onerror=alert(1)&gt;</code>',
    )
    expect(html).toContain('<code>![m](http://elsewhere/m.png)</code>')
  })
})
