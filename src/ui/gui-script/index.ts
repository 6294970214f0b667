import { FORM_SCRIPT } from './form.ts'
import { HISTORY_SCRIPT } from './history.ts'
import { KEY_SCRIPT } from './key.ts'
import { REFS_SCRIPT } from './refs.ts'
import { RESULTS_SCRIPT } from './results.ts'
import { SHARED_SCRIPT } from './shared.ts'

/**
 * The playground's browser script, served inline as plain JavaScript (no build step; the Worker
 * bundle serves it minified, see scripts/worker-substitutes.ts). It reads `FLUXGATE`
 * ({defaultModel, strings}) defined just before it. Each part lives in its own file by topic
 * and all run in one closure, so they share `$`, `store`, `t` and the page's state.
 * The parts are kept free of backticks and `${` so they live in template strings unchanged; a
 * part holding backslashes is a String.raw, which keeps them. Function declarations are hoisted,
 * so a part may call a function of a later one; the page starts only once every part has run.
 *
 * Why it is shaped this way:
 * - It calls the gateway's public API (`../v1/...`, relative, so a path prefix in front of the
 *   gateway still works), hence the same page on Workers and Node.
 * - All server text goes in with textContent, never innerHTML.
 */
export const GUI_SCRIPT = `
;(() => {
  'use strict'
${[SHARED_SCRIPT, KEY_SCRIPT, FORM_SCRIPT, REFS_SCRIPT, RESULTS_SCRIPT, HISTORY_SCRIPT].join('\n')}
  $('key-toggle').setAttribute('aria-expanded', 'false')
  applyLanguage()
  updateCustom()
  loadModels()
})()
`
