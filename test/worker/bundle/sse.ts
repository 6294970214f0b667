/** A byte stream, Web or Node's (Miniflare answers with undici's Response). */
type ByteStream = {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> }
}

/**
 * Reads an SSE body as it arrives: `until` pulls chunks only until the text so far matches, so
 * a test can look at a stream before the server has finished writing it.
 */
export function sseReader(body: ByteStream) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  return {
    get text() {
      return text
    },
    async until(pattern: RegExp): Promise<string> {
      while (!pattern.test(text)) {
        const { done, value } = await reader.read()
        if (done) throw new Error(`stream ended before ${pattern}:\n${text}`)
        text += decoder.decode(value, { stream: true })
      }
      return text
    },
    async rest(): Promise<string> {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return text
        text += decoder.decode(value, { stream: true })
      }
    },
  }
}

/** The `data:` payloads of an SSE text, JSON-decoded except `[DONE]`. */
export function ssePayloads(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)))
}

type Delta = { choices: { delta: { role?: string; content?: string } }[] }

/** The content of a chat stream so far, joined. */
export const streamedContent = (text: string) =>
  ssePayloads(text)
    .filter((payload): payload is Delta => typeof payload === 'object')
    .map((payload) => payload.choices[0]?.delta.content ?? '')
    .join('')
