// @ts-check
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * `npm run build`, and `prestart` before every `npm start`: the Node entry compiled to
 * `dist/node.js` (ESM, dependencies left as imports, source maps), so the gateway runs as one
 * plain `node` process. JavaScript rather than TypeScript so plain `node` runs it: starting tsx
 * first would take longer than the build itself.
 *
 * Code that only some settings need (the Redis fleet, each storage driver) goes into chunks under
 * `dist/node-chunks/`, loaded when used: a gateway without Redis never loads ioredis. Every file
 * is replaced by a rename, so a gateway starting while another build runs never reads half a file.
 *
 * Resident memory at rest is part of the job: zod is bundled (BUNDLED) rather than imported,
 * because `zod/mini` as a package loads all of zod's modules (every locale, JSON Schema, the
 * compiler), about 4 MB of RSS for code the gateway never runs; bundled, only the parts used
 * remain. The source maps carry mappings but not the sources' text: `--enable-source-maps`
 * parses and keeps the whole map, and the text (0.7 MB, held as UTF-16) cost 3 MB of RSS for
 * nothing a stack trace needs; Node reads a source line from the file when it shows one.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CHUNKS = 'node-chunks'
/** Packages bundled into the entry; every other one stays an import of node_modules. */
const BUNDLED = ['zod']

/** Leaves every package an import except those in BUNDLED (esbuild's `packages: 'external'`, but for all but those). */
const externalPackages = {
  name: 'external-packages',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    // A bare specifier: not relative, not absolute (node: builtins are external anyway).
    build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      const bundled = BUNDLED.some((name) => path === name || path.startsWith(`${name}/`))
      return bundled ? undefined : { path, external: true }
    })
  },
}

/** Builds into `outdir` (default `dist`); resolves with the entry's path and the build's time. */
export async function buildNode({ outdir = join(ROOT, 'dist') } = {}) {
  const started = performance.now()
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { node: 'src/runtime/node.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    plugins: [externalPackages],
    sourcemap: true,
    sourcesContent: false,
    outdir,
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    write: false,
    logLevel: 'silent',
  })
  const entry = join(outdir, 'node.js')
  // The entry last: until it is replaced, the previous one keeps finding its own chunks.
  const files = result.outputFiles.sort(
    (a, b) => Number(a.path === entry) - Number(b.path === entry),
  )
  for (const file of files) await replace(file.path, file.contents)
  await removeStaleChunks(join(outdir, CHUNKS), new Set(files.map((file) => file.path)))
  return { entry, ms: Math.round(performance.now() - started) }
}

/** Writes `path` through a temporary file and a rename; leaves an identical file alone. */
async function replace(path, contents) {
  const current = await readFile(path).catch(() => null)
  if (current && Buffer.compare(current, contents) === 0) return
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, contents)
  await rename(temporary, path)
}

/** Chunks of earlier builds; their names carry a content hash, so each edit leaves new ones. */
async function removeStaleChunks(dir, current) {
  for (const name of await readdir(dir).catch(() => [])) {
    const path = join(dir, name)
    if (!current.has(path) && !name.endsWith('.tmp')) await rm(path, { force: true })
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { entry, ms } = await buildNode()
    console.error(`built ${relative(ROOT, entry)} in ${ms} ms`)
  } catch (error) {
    // esbuild's own message lists each error with its file and line.
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
}
