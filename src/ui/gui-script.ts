import { GUI_RESULTS_SCRIPT } from './gui-results-script.ts'

/**
 * The playground's browser script, served inline as plain JavaScript (no build step). It reads
 * `FLUXGATE` ({defaultModel, strings}) defined just before it. Kept free of backticks and
 * `${` so it can live in this template string unchanged; String.raw keeps its backslashes.
 *
 * Why it is shaped this way:
 * - It calls the gateway's public API (`../v1/...`, relative, so a path prefix in front of the
 *   gateway still works), hence the same page on Workers and Node.
 * - A 401 from `/v1/models` is how it learns a key is needed; the key stays in localStorage.
 * - History keeps URLs and settings only (never image bytes, which would fill localStorage).
 * - All server text goes in with textContent, never innerHTML.
 */
export const GUI_SCRIPT = String.raw`
;(() => {
  'use strict'
  const S = FLUXGATE.strings
  const $ = (id) => document.getElementById(id)
  const HISTORY_MAX = 20
  const store = {
    get(name, fallback) {
      try {
        const value = localStorage.getItem('fluxgate.' + name)
        return value === null ? fallback : JSON.parse(value)
      } catch { return fallback }
    },
    set(name, value) {
      try {
        if (value === undefined) localStorage.removeItem('fluxgate.' + name)
        else localStorage.setItem('fluxgate.' + name, JSON.stringify(value))
      } catch { /* private mode or full: the page still works, it just forgets */ }
    },
  }
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)
  let lang = store.get('lang', /^zh/i.test(navigator.language || '') ? 'zh' : 'en')
  let key = store.get('key', '')
  let keyReason = ''
  let controller = null
  let timer = 0
  let started = 0
  let current = null

  const t = (name, value) =>
    String((S[lang] || S.en)[name] || S.en[name] || name).replace(/\{[sn]\}/g, String(value))
  // Only links the gateway hands out: http(s) and inline images. Never javascript: from storage.
  const safeUrl = (url) =>
    typeof url === 'string' && /^(https?:|data:image\/)/i.test(url) ? url : ''
  const authHeaders = () => {
    const headers = { 'content-type': 'application/json' }
    if (key) headers.authorization = 'Bearer ' + key
    return headers
  }

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'
    document.title = t('title')
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t)
    for (const el of document.querySelectorAll('[data-t-placeholder]')) {
      el.placeholder = t(el.dataset.tPlaceholder)
    }
    for (const el of document.querySelectorAll('[data-t-label]')) {
      el.setAttribute('aria-label', t(el.dataset.tLabel))
    }
    $('submit-hint').textContent = t(isMac ? 'submitHintMac' : 'submitHint')
    $('model').options[0].textContent = t('modelDefault') + ' (' + FLUXGATE.defaultModel + ')'
    $('key-message').textContent = keyReason ? t(keyReason) : ''
    if (current) showResult(current)
    renderHistory()
  }

  function showError(text) {
    $('error').textContent = text
    $('error').hidden = false
    $('empty').hidden = true
  }

  async function errorText(response) {
    try {
      const body = await response.json()
      if (body && body.error && body.error.message) return body.error.message
    } catch { /* not JSON: fall through to the status */ }
    return t('httpError', response.status)
  }

  function askKey(reason) {
    keyReason = reason
    $('key-message').textContent = reason ? t(reason) : ''
    $('key-panel').hidden = false
    $('key-toggle').setAttribute('aria-expanded', 'true')
    $('key-input').value = key
    $('key-input').focus()
  }

  function hideKey() {
    keyReason = ''
    $('key-panel').hidden = true
    $('key-toggle').setAttribute('aria-expanded', 'false')
  }

  function saveKey(value) {
    key = value.trim()
    store.set('key', key || undefined)
    $('error').hidden = true
    loadModels()
  }

  async function loadModels() {
    let response
    try {
      response = await fetch('../v1/models', { headers: authHeaders() })
    } catch {
      return showError(t('networkError'))
    }
    if (response.status === 401) return askKey(key ? 'keyRefused' : 'keyNeeded')
    if (!response.ok) return showError(t('modelsFailed', await errorText(response)))
    if (keyReason) hideKey()
    const body = await response.json()
    const select = $('model')
    const chosen = select.value
    select.length = 1
    for (const model of body.data || []) select.add(new Option(model.id, model.id))
    select.value = chosen
    if (select.value !== chosen) select.value = ''
  }

  function updateCustom() {
    const checked = document.querySelector('input[name=ratio]:checked')
    $('custom-size').hidden = !checked || checked.value !== 'custom'
  }

  function readSize() {
    const checked = document.querySelector('input[name=ratio]:checked')
    if (checked && checked.value !== 'custom') {
      return { ratio: checked.value, width: +checked.dataset.w, height: +checked.dataset.h }
    }
    const width = Number($('width').value)
    const height = Number($('height').value)
    const ok = (side) => Number.isInteger(side) && side >= 64 && side <= 4096
    return ok(width) && ok(height) ? { ratio: 'custom', width, height } : null
  }

  function applySettings(settings) {
    $('prompt').value = settings.prompt || ''
    const radio = document.querySelector('input[name=ratio][value="' + settings.ratio + '"]')
    const fallback = document.querySelector('input[name=ratio][value=custom]')
    ;(radio || fallback).checked = true
    if (settings.width) $('width').value = settings.width
    if (settings.height) $('height').value = settings.height
    const select = $('model')
    select.value = settings.model || ''
    if (select.value !== (settings.model || '')) select.value = ''
    $('seed').value = settings.seed == null ? '' : settings.seed
    $('steps').value = settings.steps == null ? '' : settings.steps
    $('optimize').checked = !!settings.optimize
    updateCustom()
  }

  function tick() {
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    $('elapsed').textContent = t('seconds', seconds)
  }

  function setBusy(busy) {
    $('generate').disabled = busy
    $('cancel').hidden = !busy
    $('progress').hidden = !busy
    $('form').setAttribute('aria-busy', String(busy))
    document.querySelector('.output').classList.toggle('busy', busy)
    clearInterval(timer)
    if (busy) {
      started = performance.now()
      tick()
      timer = setInterval(tick, 100)
      $('error').hidden = true
      $('empty').hidden = true
    } else if ($('result').hidden && $('error').hidden) {
      $('empty').hidden = false
    }
  }

  async function generate() {
    if (controller) return
    const prompt = $('prompt').value.trim()
    if (!prompt) {
      showError(t('promptEmpty'))
      return $('prompt').focus()
    }
    const size = readSize()
    if (!size) {
      showError(t('sizeInvalid'))
      return $('width').focus()
    }
    const settings = {
      prompt, ratio: size.ratio, width: size.width, height: size.height,
      model: $('model').value, seed: $('seed').value.trim(), steps: $('steps').value.trim(),
      optimize: $('optimize').checked,
    }
    const body = {
      prompt, n: 1, size: size.width + 'x' + size.height, response_format: 'url',
      optimization: settings.optimize,
    }
    if (settings.model) body.model = settings.model
    if (settings.seed !== '') body.seed = Number(settings.seed)
    if (settings.steps !== '') body.steps = Number(settings.steps)
    controller = new AbortController()
    setBusy(true)
    try {
      const response = await fetch('../v1/images/generations', {
        method: 'POST', headers: authHeaders(), body: JSON.stringify(body),
        signal: controller.signal,
      })
      if (response.status === 401) askKey(key ? 'keyRefused' : 'keyNeeded')
      if (!response.ok) return showError(await errorText(response))
      const reply = await response.json()
      const item = (reply.data && reply.data[0]) || {}
      const seed = reply.seed == null ? settings.seed : String(reply.seed)
      const entry = {
        url: safeUrl(item.url), prompt, finalPrompt: item.revised_prompt || prompt,
        size: reply.size || body.size, model: reply.model || settings.model,
        provider: reply.provider || '', seed, ms: Math.round(performance.now() - started),
        notes: Array.isArray(reply.warnings) ? reply.warnings.map(String) : [],
        created: Date.now(),
        // The seed actually used, so reopening an entry can reproduce it.
        settings: Object.assign({}, settings, { seed }),
      }
      showResult(entry)
      addHistory(entry)
    } catch (error) {
      showError(error && error.name === 'AbortError' ? t('cancelled') : t('networkError'))
    } finally {
      controller = null
      setBusy(false)
    }
  }

${GUI_RESULTS_SCRIPT}
  $('form').addEventListener('submit', (event) => {
    event.preventDefault()
    generate()
  })
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      generate()
    } else if (event.key === 'Escape' && controller) {
      controller.abort()
    }
  })
  $('cancel').addEventListener('click', () => controller && controller.abort())
  for (const radio of document.querySelectorAll('input[name=ratio]')) {
    radio.addEventListener('change', updateCustom)
  }
  $('key-toggle').addEventListener('click', () =>
    $('key-panel').hidden ? askKey('') : hideKey(),
  )
  $('key-save').addEventListener('click', () => saveKey($('key-input').value))
  $('key-input').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.ctrlKey || event.metaKey) return
    event.preventDefault()
    saveKey($('key-input').value)
  })
  $('key-forget').addEventListener('click', () => {
    $('key-input').value = ''
    saveKey('')
  })
  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh'
    store.set('lang', lang)
    applyLanguage()
  })
  $('image').addEventListener('error', () => {
    if (current && current.url) showError(t('imageGone'))
  })
  $('download').addEventListener('click', download)
  $('copy').addEventListener('click', copyLink)
  $('history-clear').addEventListener('click', () => {
    store.set('history')
    renderHistory()
  })

  $('key-toggle').setAttribute('aria-expanded', 'false')
  applyLanguage()
  updateCustom()
  loadModels()
})()
`
