import { RATIO_PRESETS } from '../request/aspect-ratio.ts'
import { MAX_INPUT_IMAGE_BYTES, MAX_STEPS } from '../request/fields.ts'
import { doorList } from './doors.ts'
import { GUI_SCRIPT } from './gui-script/index.ts'
import { GUI_MAX_REFS, GUI_STRINGS_EN, GUI_STRINGS_ZH, type GuiStrings } from './gui-strings.ts'
import { GUI_CSS } from './gui-style.ts'
import { BASE_CSS, escapeHtml } from './html.ts'

export type GuiInfo = {
  /** The model used when the picker is left on "default". */
  defaultModel: string
}

/** JSON safe inside a `<script>` element: no `</script>` or `<!--` can close it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

/**
 * The playground at `/gui/`: one self-contained page (no build step, no CDN, works offline) that
 * talks to the gateway's own API, so it behaves the same on Workers and Node. The server renders
 * the English text; the script switches language, keeps the key and history in localStorage.
 */
export function guiPage(info: GuiInfo): string {
  const t = (key: keyof GuiStrings) => escapeHtml(GUI_STRINGS_EN[key])
  const presets = Object.entries(RATIO_PRESETS)
    .map(
      ([ratio, { width, height }], index) =>
        `<label class="pill"><input type="radio" name="ratio" value="${ratio}" data-w="${width}" data-h="${height}"${index === 0 ? ' checked' : ''}><span>${ratio}<small>${width}×${height}</small></span></label>`,
    )
    .join('')
  const config = {
    defaultModel: info.defaultModel,
    refs: { max: GUI_MAX_REFS, bytes: MAX_INPUT_IMAGE_BYTES },
    strings: { en: GUI_STRINGS_EN, zh: GUI_STRINGS_ZH },
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>${t('title')}</title><style>${BASE_CSS}${GUI_CSS}</style></head>
<body>
<header class="top">
  <div><h1 data-t="title">${t('title')}</h1><p class="muted" data-t="tagline">${t('tagline')}</p></div>
  <nav>
    <button type="button" id="key-toggle" class="ghost" data-t="keyButton" aria-controls="key-panel">${t('keyButton')}</button>
    <button type="button" id="lang" class="ghost" data-t="langToggle" data-t-label="langToggleLabel" aria-label="${t('langToggleLabel')}">${t('langToggle')}</button>
  </nav>
</header>
<main class="layout">
<form id="form" class="card controls" novalidate>
  <section id="key-panel" class="key-panel" hidden>
    <p id="key-message" role="alert"></p>
    <label for="key-input" data-t="keyLabel">${t('keyLabel')}</label>
    <div class="inline">
      <input id="key-input" type="password" autocomplete="off" spellcheck="false">
      <button type="button" id="key-save" data-t="keySave">${t('keySave')}</button>
    </div>
    <p class="muted small"><span data-t="keyNote">${t('keyNote')}</span>
      <button type="button" id="key-forget" class="link" data-t="keyForget">${t('keyForget')}</button></p>
  </section>
  <label for="prompt" data-t="prompt">${t('prompt')}</label>
  <textarea id="prompt" rows="4" data-t-placeholder="promptPlaceholder" placeholder="${t('promptPlaceholder')}" aria-describedby="submit-hint"></textarea>
  <label for="files" data-t="refs">${t('refs')}</label>
  <div class="drop"><input id="files" type="file" accept="image/png,image/jpeg,image/webp" multiple aria-describedby="refs-hint">
    <p id="refs-hint" class="muted small" data-t="refsHint">${t('refsHint')}</p><ul id="refs" class="thumbs"></ul></div>
  <fieldset class="sizes">
    <legend data-t="size">${t('size')}</legend>
    <div class="pills">${presets}<label class="pill"><input type="radio" name="ratio" value="custom"><span data-t="custom">${t('custom')}</span></label></div>
    <div id="custom-size" class="inline" hidden>
      <label><span data-t="width">${t('width')}</span> <input id="width" type="number" min="64" max="4096" step="8" value="1024" inputmode="numeric"></label>
      <span aria-hidden="true">×</span>
      <label><span data-t="height">${t('height')}</span> <input id="height" type="number" min="64" max="4096" step="8" value="1024" inputmode="numeric"></label>
    </div>
  </fieldset>
  <div class="grid3">
    <label><span data-t="model">${t('model')}</span>
      <select id="model"><option value="">${t('modelDefault')} (${escapeHtml(info.defaultModel)})</option></select></label>
    <label><span data-t="seed">${t('seed')}</span>
      <input id="seed" type="number" min="0" step="1" inputmode="numeric" data-t-placeholder="seedPlaceholder" placeholder="${t('seedPlaceholder')}"></label>
    <label><span data-t="steps">${t('steps')}</span>
      <input id="steps" type="number" min="1" max="${MAX_STEPS}" step="1" inputmode="numeric" data-t-placeholder="stepsPlaceholder" placeholder="${t('stepsPlaceholder')}"></label>
  </div>
  <label class="check"><input id="optimize" type="checkbox"> <span data-t="optimize">${t('optimize')}</span></label>
  <div class="actions">
    <button type="submit" id="generate" class="primary" data-t="generate">${t('generate')}</button>
    <button type="button" id="cancel" hidden data-t="cancel">${t('cancel')}</button>
    <span id="submit-hint" class="muted small" data-t="submitHint">${t('submitHint')}</span>
  </div>
</form>
<section class="card output" aria-live="polite">
  <div id="progress" class="progress" hidden>
    <div class="bar" aria-hidden="true"></div>
    <p><span data-t="generating">${t('generating')}</span> <strong id="elapsed">0.0 s</strong></p>
  </div>
  <div id="error" class="error" role="alert" hidden></div>
  <p id="empty" class="muted placeholder" data-t="empty">${t('empty')}</p>
  <figure id="result" hidden>
    <div class="pair"><div id="r-inputs" hidden></div>
    <a id="image-link" target="_blank" rel="noopener"><img id="image" alt=""></a></div>
    <figcaption>
      <dl>
        <dt data-t="finalPrompt">${t('finalPrompt')}</dt><dd id="r-prompt"></dd>
        <dt data-t="resultSize">${t('resultSize')}</dt><dd id="r-size"></dd>
        <dt data-t="resultModel">${t('resultModel')}</dt><dd id="r-model"></dd>
        <dt data-t="resultSeed">${t('resultSeed')}</dt><dd id="r-seed"></dd>
        <dt data-t="resultTime">${t('resultTime')}</dt><dd id="r-time"></dd>
        <dt id="r-notes-label" data-t="notes" hidden>${t('notes')}</dt><dd id="r-notes" hidden></dd>
      </dl>
      <div class="actions">
        <a id="download" class="button" download data-t="download">${t('download')}</a>
        <button type="button" id="copy" data-t="copyLink">${t('copyLink')}</button>
        <button type="button" id="edit-this" data-t="editThis">${t('editThis')}</button>
        <span id="copy-status" class="muted small" role="status"></span>
      </div>
    </figcaption>
  </figure>
</section>
<section class="card history" aria-labelledby="history-title">
  <div class="history-head">
    <h2 id="history-title" data-t="history">${t('history')}</h2>
    <button type="button" id="history-clear" class="link" data-t="historyClear">${t('historyClear')}</button>
  </div>
  <p class="muted small" data-t="historyHint">${t('historyHint')}</p>
  <p id="history-empty" class="muted small" data-t="historyEmpty">${t('historyEmpty')}</p>
  <ul id="history" class="thumbs"></ul>
</section>
</main>
<footer><details><summary data-t="api">${t('api')}</summary>${doorList('../', info.defaultModel)}</details></footer>
<script>const FLUXGATE = ${scriptJson(config)};
${GUI_SCRIPT}</script>
</body></html>`
}
