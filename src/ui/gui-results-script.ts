/**
 * The playground script's second half: showing a result, the history of thumbnails, download
 * and copy-link. Spliced into GUI_SCRIPT's closure (gui-script.ts), so it shares its state
 * (`current`, `store`, `t`, `$`, ...). Same rules: plain JavaScript, no backticks, no `${`.
 */
export const GUI_RESULTS_SCRIPT = String.raw`
  function showResult(entry) {
    current = entry
    const image = $('image')
    const [width, height] = String(entry.size).split('x')
    image.width = +width || 0
    image.height = +height || 0
    image.alt = entry.finalPrompt
    if (entry.url && image.getAttribute('src') !== entry.url) image.src = entry.url
    $('image-link').href = entry.url || '#'
    $('r-prompt').textContent = entry.finalPrompt
    $('r-size').textContent = String(entry.size).replace('x', ' × ')
    $('r-model').textContent =
      entry.model + (entry.provider && entry.provider !== entry.model ? ' · ' + entry.provider : '')
    $('r-seed').textContent = entry.seed === '' || entry.seed == null ? '—' : entry.seed
    $('r-time').textContent = t('seconds', (entry.ms / 1000).toFixed(1))
    const notes = (entry.notes || []).join('\n')
    $('r-notes').textContent = notes
    $('r-notes').hidden = $('r-notes-label').hidden = !notes
    const linkable = !!entry.url && !entry.url.startsWith('data:')
    $('download').href = entry.url || '#'
    $('copy').disabled = !linkable
    $('copy').title = linkable ? '' : t('inline')
    $('copy-status').textContent = ''
    $('result').hidden = false
    $('empty').hidden = true
  }

  function loadHistory() {
    const list = store.get('history', [])
    return Array.isArray(list) ? list.filter((entry) => entry && entry.settings) : []
  }

  function addHistory(entry) {
    // A data: URI is the image itself: too big for localStorage, so that entry keeps no link.
    const saved = Object.assign({}, entry, { url: entry.url.startsWith('data:') ? '' : entry.url })
    store.set('history', [saved].concat(loadHistory()).slice(0, HISTORY_MAX))
    renderHistory()
  }

  function renderHistory() {
    const list = loadHistory()
    const gone = () => {
      const span = document.createElement('span')
      span.className = 'gone'
      span.textContent = t('expired')
      return span
    }
    const items = list.map((entry) => {
      const button = document.createElement('button')
      button.type = 'button'
      button.title = entry.prompt
      button.setAttribute('aria-label', entry.prompt + ' (' + entry.size + ')')
      const url = safeUrl(entry.url)
      if (url) {
        const image = new Image()
        image.alt = ''
        image.loading = 'lazy'
        image.src = url
        image.onerror = () => image.replaceWith(gone())
        button.append(image)
      } else {
        button.append(gone())
      }
      const label = document.createElement('span')
      label.className = 'label'
      label.textContent = entry.prompt
      button.append(label)
      button.addEventListener('click', () => {
        applySettings(entry.settings)
        $('error').hidden = true
        showResult(Object.assign({}, entry, { url }))
        $('prompt').focus()
      })
      const li = document.createElement('li')
      li.append(button)
      return li
    })
    $('history').replaceChildren(...items)
    $('history-empty').hidden = list.length > 0
    $('history-clear').hidden = list.length === 0
  }

  async function download(event) {
    const url = current && current.url
    if (!url || url.startsWith('data:')) return
    event.preventDefault()
    try {
      const response = await fetch(url)
      if (!response.ok) throw new Error(String(response.status))
      const blob = await response.blob()
      const type = (blob.type.split('/')[1] || 'png').replace('jpeg', 'jpg')
      const link = document.createElement('a')
      link.href = URL.createObjectURL(blob)
      link.download = 'fluxgate-' + (current.seed || Date.now()) + '.' + type
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(link.href), 10000)
    } catch {
      showError(t('imageGone'))
    }
  }

  async function copyLink() {
    const url = current && current.url
    if (!url) return
    let copied = false
    try {
      await navigator.clipboard.writeText(url)
      copied = true
    } catch {
      // Plain http on a LAN address has no Clipboard API; the old way still works there.
      const area = document.createElement('textarea')
      area.value = url
      area.setAttribute('readonly', '')
      area.style.position = 'fixed'
      area.style.opacity = '0'
      document.body.append(area)
      area.select()
      try { copied = document.execCommand('copy') } catch { copied = false }
      area.remove()
    }
    $('copy-status').textContent = t(copied ? 'copied' : 'copyFailed')
    setTimeout(() => { $('copy-status').textContent = '' }, 2500)
  }
`
