/**
 * The form and its request: size presets or a custom size, settings in and out, the busy state
 * with its running seconds, and `POST ../v1/images/generations` (`edits` when there are images
 * to edit) with Ctrl/⌘+Enter or the button, cancelled by Escape.
 */
export const FORM_SCRIPT = `
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
    const inputs = refs.slice()
    const request = inputs.length ? editBody(body, inputs) : JSON.stringify(body)
    controller = new AbortController()
    setBusy(true)
    try {
      const response = await fetch('../v1/images/' + (inputs.length ? 'edits' : 'generations'), {
        method: 'POST', headers: authHeaders(typeof request !== 'string'), body: request,
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
        inputs: inputs.map((ref) => ref.src), created: Date.now(),
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
`
