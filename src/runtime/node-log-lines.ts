/**
 * Log lines written together. stdout is a pipe under a container runtime or a process manager,
 * and Node writes to a pipe synchronously on Linux: one `write` system call per line, once per
 * request. Lines logged in the same turn of the event loop (the requests that finished
 * together) are joined and written once, just after the turn (setImmediate); the text is the
 * same, line for line, in the order they were logged.
 *
 * A line still waiting when the process exits is written by the `exit` listener, so a crash or
 * `process.exit()` loses nothing: stdout as a pipe or a file is written synchronously there.
 */
export type LineBatch = {
  /** Queues one line (its text ends with `\n`). */
  write(line: string): void
  /** Writes what is queued now. */
  flush(): void
}

export function lineBatch(write: (text: string) => void): LineBatch {
  let queued = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (queued === '') return
    const text = queued
    queued = ''
    write(text)
  }
  return {
    write(line) {
      queued += line
      if (scheduled) return
      scheduled = true
      setImmediate(flush)
    },
    flush,
  }
}

let stdout: LineBatch | undefined

/** The process's stdout, batched; flushed on exit. */
export function stdoutLines(): LineBatch {
  if (stdout) return stdout
  const batch = lineBatch((text) => process.stdout.write(text))
  process.once('exit', batch.flush)
  stdout = batch
  return batch
}
