/**
 * The API key prompt and the model list. A 401 from `/v1/models` is how the page learns a key is
 * needed; the key stays in localStorage and goes only into the Authorization header.
 */
export const KEY_SCRIPT = `
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
`
