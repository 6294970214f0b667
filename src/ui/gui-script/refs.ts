/**
 * The images an edit starts from: files chosen, pasted or dropped anywhere on the page, or a
 * result of this gateway ("Edit this"), which goes by its own `/image/{key}` link, not uploaded
 * again. Files are checked here (type and size, as the gateway will) so a wrong one is refused
 * before anything is sent. With any of them the form asks `/v1/images/edits`.
 */
export const REFS_SCRIPT = String.raw`
  // Each is { file, src } or { link, src }; src is what the page shows.
  let refs = []

  function addRefs(files) {
    for (const file of files) {
      const fits = /^image\/(png|jpeg|webp)$/.test(file.type) && file.size <= FLUXGATE.refs.bytes
      if (fits && refs.length < FLUXGATE.refs.max) refs.push({ file, src: URL.createObjectURL(file) })
      else showError(t('refRefused', file.name) + ' ' + t('refsHint'))
    }
    renderRefs()
  }

  // Each thumbnail is its own remove button, labelled so.
  function renderRefs() {
    $('refs').replaceChildren(...refs.map((ref, index) =>
      thumb(ref.src, '× ' + t('refRemove'), () => {
        refs.splice(index, 1)
        renderRefs()
      }),
    ))
  }

  // The request's body: JSON when every image is a link, else a form carrying the files.
  function editBody(fields, inputs) {
    if (!inputs.some((ref) => ref.file)) {
      return JSON.stringify(Object.assign({ image: inputs.map((ref) => ref.link) }, fields))
    }
    const form = new FormData()
    for (const name in fields) form.append(name, fields[name])
    for (const ref of inputs) form.append('image[]', ref.file || ref.link)
    return form
  }

  // The key of a link to this gateway's own stored image, which an edit reads from the store.
  const ownKey = (url) => (/\/image\/([\w-]+)$/.exec(url || '') || [])[1]

  $('files').addEventListener('change', (event) => {
    addRefs(event.target.files)
    event.target.value = ''
  })
  document.addEventListener('paste', (event) => {
    const files = event.clipboardData ? event.clipboardData.files : []
    if (!files.length) return
    event.preventDefault()
    addRefs(files)
  })
  // Only drops that carry files are taken over; dropped text still lands in the prompt.
  for (const type of ['dragover', 'drop']) {
    document.addEventListener(type, (event) => {
      if (!event.dataTransfer || !event.dataTransfer.types.includes('Files')) return
      event.preventDefault()
      if (type === 'drop') addRefs(event.dataTransfer.files)
    })
  }
  $('edit-this').addEventListener('click', () => {
    const own = ownKey(current && current.url)
    if (!own) return
    refs = [{ link: '/image/' + own, src: current.url }]
    renderRefs()
    $('prompt').focus()
  })
`
