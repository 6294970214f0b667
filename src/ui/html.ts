/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  )
}

/** Shared look of the gateway's pages: system fonts, light and dark, no external assets. */
export const BASE_CSS = `
:root { color-scheme: light dark; --fg: #1d1d22; --bg: #f7f7f9; --muted: #666; --card: #fff;
  --accent: #5b47e0; --border: #ddd }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8ee; --bg: #141418; --muted: #9a9aa6;
  --card: #1e1e24; --accent: #9d8cff; --border: #33333c } }
* { box-sizing: border-box }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg) }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1rem 3rem }
a { color: var(--accent) }
code, pre { font: 0.9em ui-monospace, SFMono-Regular, Menlo, monospace }
pre { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 0.75rem;
  overflow-x: auto }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: 1rem 1.25rem;
  margin: 1rem 0 }
.muted { color: var(--muted) }
`
