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

  $('history-clear').addEventListener('click', () => {
    store.set('history')
    renderHistory()
  })
`
