/**
 * The result shown: image (an edit's inputs beside it), final prompt, size, model, seed, time and
 * notes, with download, "Edit this" and copy-link (which falls back to a hidden textarea where
 * there is no Clipboard API).
 */
export const RESULTS_SCRIPT = String.raw`
  function showResult(entry) {
    current = entry
    const image = $('image')
    const [width, height] = String(entry.size).split('x')
    image.width = +width || 0
    image.height = +height || 0
    image.alt = entry.finalPrompt
    if (entry.url && image.getAttribute('src') !== entry.url) image.src = entry.url
    $('image-link').href = entry.url || '#'
    const inputs = (entry.inputs || []).map(safeUrl).filter(Boolean).map((src) => {
      const input = new Image()
      input.src = src
      input.alt = t('refs')
      return input
    })
    $('r-inputs').replaceChildren(...inputs)
    $('r-inputs').hidden = !inputs.length
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
    $('edit-this').disabled = !ownKey(entry.url)
    $('copy').title = linkable ? '' : t('inline')
    $('copy-status').textContent = ''
    $('result').hidden = false
    $('empty').hidden = true
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

  $('image').addEventListener('error', () => {
    if (current && current.url) showError(t('imageGone'))
  })
  $('download').addEventListener('click', download)
  $('copy').addEventListener('click', copyLink)
`
