/**
 * The history of the last images as thumbnails. It keeps URLs and settings only, never image
 * bytes, which would fill localStorage; clicking one brings its settings and result back.
 */
export const HISTORY_SCRIPT = `
  const HISTORY_MAX = 20

  function loadHistory() {
    const list = store.get('history', [])
    return Array.isArray(list) ? list.filter((entry) => entry && entry.settings) : []
  }

  function addHistory(entry) {
    // A data: URI is the image itself: too big for localStorage, so that entry keeps no link.
    // A file's blob: link dies with the page, so only an edit's links to results are kept.
    const saved = Object.assign({}, entry, {
      url: entry.url.startsWith('data:') ? '' : entry.url,
      inputs: entry.inputs.filter((src) => /^https?:/.test(src)),
    })
    store.set('history', [saved].concat(loadHistory()).slice(0, HISTORY_MAX))
    renderHistory()
  }

  // A thumbnail in a list: a button holding the image (or "expired") with a text along its foot.
  function thumb(src, text, onClick) {
    const gone = () => {
      const span = document.createElement('span')
      span.className = 'gone'
      span.textContent = t('expired')
      return span
    }
    const button = document.createElement('button')
    button.type = 'button'
    if (src) {
      const image = new Image()
      image.alt = ''
      image.loading = 'lazy'
      image.src = src
      image.onerror = () => image.replaceWith(gone())
      button.append(image)
    } else {
      button.append(gone())
    }
    const label = document.createElement('span')
    label.className = 'label'
    label.textContent = text
    button.append(label)
    button.addEventListener('click', onClick)
    const li = document.createElement('li')
    li.append(button)
    return li
  }

  function renderHistory() {
    const list = loadHistory()
    const items = list.map((entry) => {
      const url = safeUrl(entry.url)
      const li = thumb(url, entry.prompt, () => {
        applySettings(entry.settings)
        $('error').hidden = true
        showResult(Object.assign({}, entry, { url }))
        $('prompt').focus()
      })
      li.firstChild.title = entry.prompt
      li.firstChild.setAttribute('aria-label', entry.prompt + ' (' + entry.size + ')')
      return li
    })
    $('history').replaceChildren(...items)
    $('history-empty').hidden = list.length > 0
    $('history-clear').hidden = list.length === 0
  }

  $('history-clear').addEventListener('click', () => {
    store.set('history')
    renderHistory()
  })
`
