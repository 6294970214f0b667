/**
 * What every part of the playground script shares: the `$` lookup, localStorage, the page's state
 * (language, key, the request in flight, the result shown), translation, and error display.
 */
export const SHARED_SCRIPT = String.raw`
  const S = FLUXGATE.strings
  const $ = (id) => document.getElementById(id)
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
  // Only links the gateway hands out, inline images and the page's own files (blob:). Never
  // javascript: from storage.
  const safeUrl = (url) =>
    typeof url === 'string' && /^(https?:|data:image\/|blob:)/i.test(url) ? url : ''
  // A form body sets its own Content-Type, with the boundary.
  const authHeaders = (form) => {
    const headers = form ? {} : { 'content-type': 'application/json' }
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
    renderRefs()
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

  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh'
    store.set('lang', lang)
    applyLanguage()
  })
`
