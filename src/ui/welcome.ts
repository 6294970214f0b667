import { doorList } from './doors.ts'
import { BASE_CSS, escapeHtml } from './html.ts'

export type WelcomeInfo = {
  origin: string
  storage: string
  models: string[]
  defaultModel: string
  authRequired: boolean
  directAccess: 'public' | 'key'
  demoOnly: boolean
}

/** The page at `/`: the service is up, what it serves, and how to use it. */
export function welcomePage(info: WelcomeInfo): string {
  const e = escapeHtml
  const example = `${info.origin}/?prompt=${encodeURIComponent('a cute cat')}&size=1024x768`
  const models = info.models
    .map((id) => `<li><code>${e(id)}</code>${id === info.defaultModel ? ' (default)' : ''}</li>`)
    .join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>fluxgate</title><style>${BASE_CSS}</style></head>
<body><main>
<h1>fluxgate is running</h1>
<p class="muted">A gateway from text prompts to Flux-class images.</p>
${
  info.demoOnly
    ? `<div class="card"><strong>Demo mode.</strong> No upstream provider is configured, so images are
drawn locally by the <code>demo</code> provider and labelled as such. Configure a provider (see the README) for real images.</div>`
    : ''
}
<div class="card">
<p>Storage: <strong>${e(info.storage)}</strong> · Client key: <strong>${info.authRequired ? 'required' : 'not required'}</strong>
· Direct image URLs: <strong>${info.directAccess === 'public' ? 'public' : 'key required'}</strong></p>
<p>Models:</p><ul>${models}</ul>
<p><a href="/gui/">Open the playground</a> · <a href="/healthz">Health</a></p>
<p><a href="/openapi.json">API description (OpenAPI 3.1)</a></p>
</div>
<h2>Use it</h2>
<p>Chat clients (NextChat, ChatBox, LobeChat, Open WebUI, ...): set the API base to
<code>${e(info.origin)}/v1</code> and ask for a picture.</p>
<pre>curl ${e(info.origin)}/v1/chat/completions \\
  -H "Authorization: Bearer YOUR_KEY" -H "Content-Type: application/json" \\
  -d '{"messages":[{"role":"user","content":"A cute cat 3:2"}]}'</pre>
<p>Direct image URL, usable in <code>&lt;img src&gt;</code> and markdown:</p>
<pre>${e(example)}</pre>
<p>More doors, under <code>${e(info.origin)}</code>:</p>
${doorList('/', info.defaultModel)}
</main></body></html>`
}
