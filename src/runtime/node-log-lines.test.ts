import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { lineBatch } from './node-log-lines.ts'

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('lineBatch', () => {
  it('writes the lines of one turn once, after the turn, in the order they came', async () => {
    const writes: string[] = []
    const batch = lineBatch((text) => writes.push(text))
    batch.write('{"id":"a"}\n')
    batch.write('{"id":"b"}\n')
    batch.write('{"note":"two\\nlines"}\n')
    expect(writes).toEqual([])
    await turn()
    expect(writes).toEqual(['{"id":"a"}\n{"id":"b"}\n{"note":"two\\nlines"}\n'])
    batch.write('{"id":"c"}\n')
    await turn()
    expect(writes).toEqual(['{"id":"a"}\n{"id":"b"}\n{"note":"two\\nlines"}\n', '{"id":"c"}\n'])
  })

  it('writes at once on flush, and never an empty or repeated write after it', async () => {
    const writes: string[] = []
    const batch = lineBatch((text) => writes.push(text))
    batch.flush()
    batch.write('one\n')
    batch.flush()
    expect(writes).toEqual(['one\n'])
    await turn()
    expect(writes).toEqual(['one\n'])
    batch.write('two\n')
    await turn()
    expect(writes).toEqual(['one\n', 'two\n'])
  })

  it("loses no line when the process exits in the lines' own turn", async () => {
    const module = fileURLToPath(new URL('./node-log-lines.ts', import.meta.url))
    const script = `
      const { stdoutLines } = await import(${JSON.stringify(module)})
      for (let i = 0; i < 3; i++) stdoutLines().write('line ' + i + '\\n')
      process.exit(0)
    `
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ])
    expect(stdout).toBe('line 0\nline 1\nline 2\n')
  })
})
