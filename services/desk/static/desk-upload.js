/* The register form's scans, uploaded before the form is sent (progressive enhancement: without
 * this script, or without what it needs, the form sends the files with itself, as before).
 *
 * GOV.UK Frontend's file upload component turns the file input into a drop zone with a "choose
 * files" button; every file chosen or dropped goes to Uppy, which puts it straight into the object
 * store with URLs the registry signs through the desk (the desk keeps the session and the CSRF
 * token; the browser never holds a staff token):
 *  - a file up to data-parts-above bytes: one presigned PUT whose URL carries its SHA-256, so the
 *    store refuses other bytes;
 *  - a larger one: in parts of data-part-size bytes; the registry starts the multipart upload and
 *    signs each request. After a dropped connection the upload resumes from the parts the store
 *    already has (ListParts), never from the first byte.
 * Each file has a progress bar; progress in quarters, completion, a resumed upload and a refusal
 * are announced through a polite live region. The form is then sent with the uploads' ids
 * (name="upload"), in the order the files were added, and the registry registers from them.
 * No inline script, no eval: the page's CSP allows scripts from the desk only. */
(function () {
  'use strict'

  var form = document.querySelector('form[data-uploads]')
  var lib = window.DeskUppy
  if (!form || !lib || !window.crypto || !window.crypto.subtle || !window.fetch || !window.URLSearchParams) return
  var input = form.querySelector('input[type="file"][name="scan"]')
  var zone = document.getElementById('scan-zone')
  var list = document.getElementById('scan-uploads')
  var live = document.getElementById('scan-progress')
  if (!input || !zone || !list || !live) return

  var base = form.getAttribute('data-uploads')
  var partsAbove = Number(form.getAttribute('data-parts-above'))
  var partSize = Number(form.getAttribute('data-part-size'))
  var csrf = form.querySelector('input[name="csrf"]').value
  var RETRIES = 8 // a dropped connection is tried again after 1, 2, 4, 8, 15, 15... seconds

  var files = {} // Uppy file id -> {n, grant, row, bar, state, quarter, retries, refused, done}
  var order = [] // Uppy file ids in the order added
  var added = 0
  var sending = false

  // GOV.UK's components run only on a body that says script is on (their template sets it with
  // an inline script, which this CSP does not allow; so it is set here).
  document.body.classList.add('govuk-frontend-supported')
  new lib.FileUpload(zone, {
    i18n: {
      chooseFilesButton: 'Изберете файлове',
      dropInstruction: 'или ги пуснете тук',
      noFileChosen: 'Няма избран файл',
      multipleFilesChosen: { one: '%{count} избран файл', other: '%{count} избрани файла' },
      enteredDropZone: 'В зоната за пускане на файлове',
      leftDropZone: 'Извън зоната за пускане на файлове'
    }
  })

  var uppy = new lib.Uppy({ autoProceed: true, restrictions: { maxNumberOfFiles: 20 } })
  uppy.use(lib.AwsS3, {
    shouldUseMultipart: function (file) { return file.size > partsAbove },
    getChunkSize: function () { return partSize },
    generateObjectKey: function (file) { return 'desk/' + files[file.id].n },
    signRequest: signRequest,
    limit: 3
  })
  uppy.addPreProcessor(function (ids) { return Promise.all(ids.map(grant)) })

  function say (text) {
    live.textContent = ''
    window.setTimeout(function () { live.textContent = text }, 50) // the same words twice are announced twice
  }

  function ask (path, fields) {
    var body = new URLSearchParams(fields)
    body.set('csrf', csrf)
    return window.fetch(path, { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (answer) {
        return answer.json().catch(function () { return {} }).then(function (json) {
          if (answer.ok) return json
          var error = new Error(json.detail || 'Деловодството не отговори (' + answer.status + ').')
          error.refused = answer.status < 500 // a refusal: trying again does not help
          throw error
        })
      })
  }

  function hex (buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return (b < 16 ? '0' : '') + b.toString(16) }).join('')
  }

  // The registry's grant for a file: its SHA-256 computed here first (the registry checks the
  // stored bytes against it); a file in parts gets its multipart upload, which Uppy then
  // continues (ListParts, the missing parts, completion) as it would resume one.
  function grant (id) {
    var file = uppy.getFile(id)
    var entry = files[id]
    if (!file || !entry || entry.grant || entry.refused) return Promise.resolve()
    show(entry, 'Подготвя се…')
    return file.data.arrayBuffer()
      .then(function (bytes) { return window.crypto.subtle.digest('SHA-256', bytes) })
      .then(function (digest) {
        return ask(base, { file_name: file.name, size: String(file.size), sha256: hex(digest), parts: file.size > partsAbove ? '1' : '' })
      })
      .then(function (granted) {
        entry.grant = granted
        if (granted.parts) uppy.setFileState(id, { s3Multipart: { uploadId: granted.upload_id, key: 'uploads/' + granted.upload_id } })
      })
      .catch(function (error) { refuse(entry, error) })
  }

  function signRequest (request) {
    if (request.uploadId) {
      var step = { PUT: 'part', GET: 'list', POST: 'complete', DELETE: 'abort' }[request.method]
      var fields = { step: step }
      if (step === 'part') fields.part_number = String(request.partNumber)
      return ask(base + '/' + encodeURIComponent(request.uploadId) + '/steps', fields)
        .then(function (signed) { return { url: signed.url } }, function (error) {
          entryOfUpload(request.uploadId, function (entry) { if (error.refused) entry.refused = error.message })
          throw error
        })
    }
    var entry = entryOfKey(request.key)
    if (!entry || !entry.grant || !entry.grant.url) {
      return Promise.reject(new Error((entry && entry.refused) || 'Файлът не е приет за качване.'))
    }
    return { url: entry.grant.url, key: 'uploads/' + entry.grant.upload_id }
  }

  function entryOfKey (key) {
    for (var id in files) if ('desk/' + files[id].n === key) return files[id]
    return null
  }

  function entryOfUpload (uploadId, then) {
    for (var id in files) if (files[id].grant && files[id].grant.upload_id === uploadId) then(files[id])
  }

  function row (file) {
    var n = ++added
    var li = document.createElement('li')
    li.className = 'desk-upload'
    var name = document.createElement('label')
    name.className = 'desk-upload__name'
    name.htmlFor = 'scan-bar-' + n
    name.textContent = file.name
    var bar = document.createElement('progress')
    bar.className = 'desk-upload__bar'
    bar.id = 'scan-bar-' + n
    bar.max = 100
    bar.value = 0
    var state = document.createElement('span')
    state.className = 'desk-upload__state'
    var remove = removeButton(file.name, function () { uppy.removeFile(file.id) })
    li.appendChild(name)
    li.appendChild(bar)
    li.appendChild(state)
    li.appendChild(remove)
    list.appendChild(li)
    list.hidden = false
    return { n: n, name: file.name, row: li, bar: bar, state: state, quarter: -1, retries: 0 }
  }

  // "Премахни" for one file, its name read out after the word (a button per file in a list).
  function removeButton (name, onClick) {
    var remove = document.createElement('button')
    remove.type = 'button'
    remove.className = 'govuk-button govuk-button--secondary desk-upload__remove'
    remove.textContent = 'Премахни'
    var whose = document.createElement('span')
    whose.className = 'govuk-visually-hidden'
    whose.textContent = ' ' + name
    remove.appendChild(whose)
    remove.addEventListener('click', onClick)
    return remove
  }

  function show (entry, text, error) {
    entry.state.textContent = text
    entry.state.className = 'desk-upload__state' + (error ? ' desk-upload__state--error' : '')
  }

  function refuse (entry, error) {
    entry.refused = error.message
    show(entry, error.message, true)
    say(entry.name + ': ' + error.message)
  }

  uppy.on('file-added', function (file) {
    files[file.id] = row(file)
    order.push(file.id)
  })

  uppy.on('file-removed', function (file) {
    var entry = files[file.id]
    if (!entry) return
    list.removeChild(entry.row)
    list.hidden = !list.children.length
    delete files[file.id]
    order = order.filter(function (id) { return id !== file.id })
    say('Файлът ' + entry.name + ' е премахнат.')
    document.getElementById('scan').focus() // the zone's button (GOV.UK's component gives it the input's id)
  })

  uppy.on('upload-progress', function (file, progress) {
    var entry = files[file.id]
    if (!entry || !progress.bytesTotal) return
    var percent = Math.floor(progress.bytesUploaded * 100 / progress.bytesTotal)
    entry.bar.value = percent
    show(entry, percent + ' %')
    var quarter = Math.floor(percent / 25)
    if (quarter > entry.quarter && percent < 100) {
      entry.quarter = quarter
      say(entry.name + ': качени ' + percent + ' %.')
    }
  })

  uppy.on('upload-success', function (file) {
    var entry = files[file.id]
    if (!entry) return
    entry.done = true
    entry.bar.value = 100
    show(entry, 'Качен, 100 %')
    say(entry.name + ': качен, 100 %.')
    if (sending) send()
  })

  uppy.on('upload-error', function (file, error) {
    var entry = file && files[file.id]
    if (!entry) return
    if (entry.refused || entry.retries >= RETRIES) {
      sending = false
      refuse(entry, new Error(entry.refused || 'Файлът не е качен: връзката с хранилището прекъсва. Опитайте отново.'))
      return
    }
    entry.retries += 1
    show(entry, 'Връзката прекъсна; качването продължава…')
    say(entry.name + ': връзката прекъсна; качването ще продължи от прекъснатото място.')
    window.setTimeout(function () { uppy.retryUpload(file.id) }, Math.min(1000 * Math.pow(2, entry.retries - 1), 15000))
  })

  // Scans uploaded before a refused form, kept on it by the desk: each may be taken off.
  Array.prototype.forEach.call(document.querySelectorAll('#scan-kept li'), function (li) {
    var name = li.querySelector('.desk-upload__name').textContent
    li.appendChild(removeButton(name, function () {
      li.parentNode.removeChild(li)
      say('Файлът ' + name + ' е премахнат.')
      document.getElementById('scan').focus()
    }))
  })

  // A file chosen with the button or dropped on the zone: to Uppy, which starts uploading it.
  input.addEventListener('change', function () {
    Array.prototype.forEach.call(input.files, function (file) {
      try {
        uppy.addFile({ name: file.name, type: file.type, data: file, source: 'desk' })
      } catch (error) {
        say('Файлът ' + file.name + ' не е добавен: ' + (/duplicate/i.test(error.message) ? 'вече е в списъка.' : error.message))
      }
    })
  })

  function pending () {
    return order.filter(function (id) { return !files[id].done })
  }

  function send () {
    if (pending().length) return
    sending = false
    order.forEach(function (id) { // after those kept from a refused form, which are in it already
      [['upload', files[id].grant.upload_id], ['upload_name', files[id].name]].forEach(function (pair) {
        var field = document.createElement('input')
        field.type = 'hidden'
        field.name = pair[0]
        field.value = pair[1]
        form.appendChild(field)
      })
    })
    input.disabled = true // the bytes are in the store already; the form carries only the ids
    form.submit()
  }

  window.addEventListener('pageshow', function () { input.disabled = false }) // the page again, from Back

  form.addEventListener('submit', function (event) {
    if (!order.length) { // nothing new: the kept uploads go as they are, or the desk says a scan is needed
      input.disabled = true
      return
    }
    event.preventDefault()
    var refused = order.filter(function (id) { return files[id].refused })
    if (refused.length) {
      say('Има файлове, които не са качени. Премахнете ги или ги изберете отново.')
      files[refused[0]].row.querySelector('button').focus()
      return
    }
    sending = true
    if (pending().length) say('Документът ще бъде регистриран, щом файловете се качат.')
    send()
  })
})()
