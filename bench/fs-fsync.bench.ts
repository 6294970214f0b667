import { mkdtemp, open, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * What it costs the fs store to make a record durable before its link is handed out: writes a
 * record to a temp file and renames it into place, as the store does, (a) as is, (b) with the
 * temp file's data synced before the rename, (c) with that and the directory synced after it.
 * Prints ms per write (mean, p50, p99) for 300 KB and 2 MB images. Run: `npx tsx
 * bench/fs-fsync.bench.ts [dir]` (default: the OS temp dir; point it at the real DATA_DIR disk).
 */

type Mode = 'no sync' | 'datasync file' | 'datasync file + fsync dir'
const MODES: Mode[] = ['no sync', 'datasync file', 'datasync file + fsync dir']
const WRITES = 200

async function writeRecord(dir: string, name: string, bytes: Uint8Array, mode: Mode) {
  const temp = join(dir, `.tmp-${name}`)
  const handle = await open(temp, 'w')
  try {
    await handle.write(bytes)
    if (mode !== 'no sync') await handle.datasync()
  } finally {
    await handle.close()
  }
  await rename(temp, join(dir, `${name}.img`))
  if (mode === 'datasync file + fsync dir') {
    const directory = await open(dir, 'r')
    try {
      await directory.sync()
    } finally {
      await directory.close()
    }
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

async function main() {
  const base = await mkdtemp(join(process.argv[2] ?? tmpdir(), 'fluxgate-fsync-'))
  try {
    for (const size of [300 * 1024, 2 * 1024 * 1024]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
      for (const mode of MODES) {
        const times: number[] = []
        for (let i = 0; i < WRITES; i++) {
          const started = performance.now()
          await writeRecord(base, `${mode.length}-${size}-${i}`, bytes, mode)
          times.push(performance.now() - started)
        }
        times.sort((a, b) => a - b)
        const mean = times.reduce((sum, t) => sum + t, 0) / times.length
        const figures = [mean, percentile(times, 0.5), percentile(times, 0.99)]
          .map((ms) => ms.toFixed(2).padStart(7))
          .join(' ')
        console.log(
          `${String(size / 1024).padStart(5)} KB  ${mode.padEnd(26)} ${figures}  ms (mean p50 p99)`,
        )
      }
    }
  } finally {
    await rm(base, { recursive: true, force: true })
  }
}

await main()
