import { readFile } from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import { type Metafile, type Plugin, transform } from 'esbuild'
import { openApiDocument } from '../src/openapi/document.ts'
import { GUI_SCRIPT } from '../src/ui/gui-script/index.ts'
import { withoutDocChecks } from './worker-doc-checks.ts'

/**
 * What the Worker bundle builds differently from `src`, to stay inside its gzip budget while
 * serving the same bytes (or, for the playground script, the same program). Node and
 * `wrangler deploy` run `src` as it is; test/worker/bundle/ checks the bundle against Node.
 *
 * - `src/openapi/document.ts` becomes the document it renders. It is a pure function of the code,
 *   and rendering it takes zod's JSON Schema generator (about 20 kB minified) and the reply
 *   schemas, which nothing else in the Worker needs. Only `openApiDocument` is exported: an
 *   import of anything else from that module fails the build.
 * - zod's JSON Schema generator then drops out: `src` uses `zod/mini`, whose schemas do not
 *   import it, so nothing reaches it. The build fails if code in the bundle names it
 *   (`generatorCallers`), since that would put it back.
 * - The playground's script and the pages' style sheets are minified, and the playground's HTML
 *   loses its indentation; Node serves them readable.
 * - `src/bytes/base64.ts` becomes `src/bytes/base64-native.ts`: workerd has the native codecs,
 *   so the portable table codecs would never run.
 * - `src/providers/workers-ai/reply-parts.ts` becomes `reply-parts-worker.ts`: the Worker's fetch
 *   hands a reply over whole, so the reader of a reply in several parts would never run.
 * - The request schemas lose their `described(...)` and `z.meta(...)` checks, which only feed the
 *   OpenAPI document (worker-doc-checks.ts).
 * - Some package files are patched or stubbed (worker-package-patches.ts).
 */

/** Modules replaced by a file of the same exports, path relative to the repository root. */
const SWAPPED = {
  'src/bytes/base64.ts': 'src/bytes/base64-native.ts',
  'src/providers/workers-ai/reply-parts.ts': 'src/providers/workers-ai/reply-parts-worker.ts',
}

/** Modules whose `export const NAME_CSS = \`...\`` style sheets are minified. */
const STYLED = ['src/ui/html.ts', 'src/ui/gui-style.ts']
const STYLE_SHEET = /(export const \w+_CSS = )`([^`$\\]*)`/g

/**
 * Modules of HTML whose lines lose the indentation before a tag. A line break stays, and any run
 * of white space between tags renders as one space, so the page looks the same; none of them
 * has a `<pre>` or a `<textarea>` with text inside, where it would not.
 */
const UNINDENTED = ['src/ui/gui.ts']
const TAG_INDENT = /\n[ \t]+</g

/** Source that may hold documentation checks (worker-doc-checks.ts). */
const DOC_CHECK = /\bdescribed\(|\bz\.meta\(/

/** Code that would pull in zod's generator, or a Standard Schema's `jsonSchema`. */
const JSON_SCHEMA_CALL = /\btoJSONSchema\b|\bjsonSchema\b/

export function workerSubstitutes(root: string): Plugin {
  const at = (path: string) => resolve(root, path)
  const rendered = new Map<string, () => Promise<string>>([
    [at('src/openapi/document.ts'), renderedOpenApi],
    [at('src/ui/gui-script/index.ts'), minifiedGuiScript],
  ])
  const styled = new Set(STYLED.map(at))
  const unindented = new Set(UNINDENTED.map(at))
  const source = at('src') + sep
  const swapped = new Map(Object.entries(SWAPPED).map(([from, to]) => [at(from), at(to)]))
  return {
    name: 'worker-substitutes',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
        const render = rendered.get(path)
        if (render) return { contents: await render(), loader: 'js' }
        const swap = swapped.get(path)
        if (swap) {
          return { contents: await readFile(swap, 'utf8'), loader: 'ts', resolveDir: dirname(swap) }
        }
        if (!path.startsWith(source)) return undefined
        const original = await readFile(path, 'utf8')
        let text = original
        if (styled.has(path)) text = await minifiedStyles(text, relative(root, path))
        if (unindented.has(path)) text = text.replace(TAG_INDENT, '\n<')
        if (DOC_CHECK.test(text)) text = withoutDocChecks(text, path)
        return text === original ? undefined : { contents: text, loader: 'ts' }
      })
      pluginBuild.onEnd(async (result) => {
        if (!result.metafile) return {}
        const callers = await generatorCallers(result.metafile, root, new Set(rendered.keys()))
        return {
          errors: callers.map((file) => ({
            text: `${file} uses JSON Schema generation, which the Worker bundle leaves out (about 20 kB): render the schema at build time (scripts/worker-substitutes.ts)`,
          })),
        }
      })
    },
  }
}

/** The document module as its result; the route adds `servers` per request, as on Node. */
async function renderedOpenApi(): Promise<string> {
  return `const rendered = ${JSON.stringify(openApiDocument())}
export const openApiDocument = () => rendered`
}

/**
 * The playground script minified as one program: it is a closure whose only free name is the
 * `FLUXGATE` the page defines, so renaming inside it is safe. `es2020` keeps esbuild from
 * writing newer syntax than the source uses.
 */
async function minifiedGuiScript(): Promise<string> {
  const { code } = await transform(GUI_SCRIPT, { loader: 'js', minify: true, target: 'es2020' })
  return `export const GUI_SCRIPT = ${JSON.stringify(code)}`
}

/**
 * The module with its style sheets minified: the same rules in fewer bytes, as a browser reads
 * them. The build fails if a listed module has no sheet left to minify (renamed or templated).
 */
async function minifiedStyles(text: string, file: string): Promise<string> {
  const sheets = [...text.matchAll(STYLE_SHEET)]
  if (sheets.length === 0)
    throw new Error(`${file}: no \`export const NAME_CSS = \`...\`\` to minify`)
  let minified = text
  for (const [whole, declaration, css] of sheets) {
    const { code } = await transform(css!, { loader: 'css', minify: true })
    minified = minified.replace(whole, () => `${declaration}${JSON.stringify(code.trim())}`)
  }
  return minified
}

/** Bundled files, zod's own and the rendered ones aside, that name the generator. */
async function generatorCallers(
  metafile: Metafile,
  root: string,
  rendered: Set<string>,
): Promise<string[]> {
  const files = Object.keys(metafile.inputs)
    .map((input) => resolve(root, input))
    .filter((file) => !rendered.has(file) && !/[\\/]node_modules[\\/]zod[\\/]/.test(file))
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')))
  return files
    .filter((_, index) => JSON_SCHEMA_CALL.test(texts[index]!))
    .map((file) => relative(root, file))
}
