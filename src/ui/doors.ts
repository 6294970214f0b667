import { escapeHtml } from './html.ts'

/**
 * The gateway's doors for programs, one line each, on the welcome page and in the playground's
 * help. `root` is the way back to the gateway's root from the page (`/`, or `../` from `/gui/`),
 * so the example links survive a path prefix added by a reverse proxy.
 */
export function doorList(root: string, defaultModel: string): string {
  const doors: [door: string, what: string, example?: string][] = [
    ['POST /v1/images/generations', 'OpenAI Images API'],
    ['POST /v1/images/edits, /v1/images/variations, /v1/uploads', 'edit images (files or links)'],
    ['GET /prompt/{prompt}', 'Pollinations URLs', `prompt/${encodeURIComponent('a cute cat')}`],
    ['GET /v1/models/{id}', 'one model', `v1/models/${defaultModel}`],
    ['POST /v1/responses', 'OpenAI Responses API'],
    ['POST /mcp', 'MCP server for agents (Streamable HTTP)'],
  ]
  const items = doors.map(([door, what, example]) => {
    const code = `<code>${escapeHtml(door)}</code>`
    const linked = example ? `<a href="${escapeHtml(root + example)}">${code}</a>` : code
    return `<li>${linked}: ${escapeHtml(what)}</li>`
  })
  return `<ul>${items.join('')}</ul>`
}
