import type { ReplyLanguage } from '../config.ts'
import type { GenerationResult } from '../generate/index.ts'
import { fill, REPLY_STRINGS } from './strings.ts'

/**
 * The chat reply in seed 000's layout, built from sections so the stream can send each one as
 * soon as it is known and the non-streaming reply is the same sections joined:
 *
 *   🎨 Original prompt: A cute cat 3:2            <- opening (at once)
 *   💬 Prompt generation model: Original Prompt    <- prompt (once the prompt is ready)
 *   🌐 Optimized prompt: A cute cat
 *   📐 Image specifications: 768x512
 *   🤖 Model: demo (provider: demo)                <- result
 *   🎲 Seed: 42
 *   ⏱️ Time taken: 0.4 s
 *   🌟 Image generation successful!
 *   Here's the result:
 *
 *   ![A cute cat](https://host/image/key)
 *
 * Every section ends with a line break except the last, which ends with the image.
 */

type Size = { width: number; height: number }

/** Prompts shown on one line: line breaks inside them would break the layout. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()
const sizeText = (size: Size) => `${size.width}x${size.height}`

/** Alt text is the prompt; `[`, `]` and `\` are escaped and line breaks flattened. */
export function escapeAlt(text: string): string {
  return oneLine(text).replace(/[\\[\]]/g, (character) => `\\${character}`)
}

export function imageMarkdown(alt: string, url: string): string {
  return `![${escapeAlt(alt)}](${url})`
}

/** The original prompt, and a note when the asked-for model was not available. */
export function openingSection(
  language: ReplyLanguage,
  original: string,
  fallback?: { asked: string; model: string },
): string {
  const strings = REPLY_STRINGS[language]
  let text = `${fill(strings.original, { prompt: oneLine(original) })}\n`
  if (fallback) text += `${fill(strings.modelFallback, fallback)}\n`
  return text
}

/** Who rewrote the prompt, the prompt sent upstream, and the size when it is known. */
export function promptSection(
  language: ReplyLanguage,
  prepared: { promptModel: string | null; prompt: string; note?: string },
  size: Size | null,
): string {
  const strings = REPLY_STRINGS[language]
  const model = prepared.promptModel ?? strings.noPromptModel
  let text = `${fill(strings.promptModel, { model })}\n`
  text += `${fill(strings.optimized, { prompt: oneLine(prepared.prompt) })}\n`
  if (prepared.note) text += `${fill(strings.note, { note: prepared.note })}\n`
  if (size) text += `${fill(strings.size, { size: sizeText(size) })}\n`
  return text
}

/** A progress line for a streaming client: which upstream is working on it. */
export function attemptLine(language: ReplyLanguage, model: string, provider: string): string {
  return `${fill(REPLY_STRINGS[language].attempt, { model, provider })}\n`
}

/**
 * Model, seed, time and the image. `announced` is the size already shown; the real size is
 * shown here when it differs (or none was shown), since a model may choose its own.
 */
export function resultSection(
  language: ReplyLanguage,
  result: GenerationResult,
  image: { alt: string; url: string; size: Size },
  announced: Size | null,
): string {
  const strings = REPLY_STRINGS[language]
  const lines: string[] = []
  if (!announced || sizeText(announced) !== sizeText(image.size)) {
    lines.push(fill(strings.size, { size: sizeText(image.size) }))
  }
  const model =
    result.upstreamModel === result.model
      ? result.model
      : `${result.model} → ${result.upstreamModel}`
  lines.push(fill(strings.model, { model, provider: result.provider }))
  if (result.seed !== undefined) lines.push(fill(strings.seed, { seed: result.seed }))
  lines.push(fill(strings.time, { seconds: (result.elapsedMs / 1000).toFixed(1) }))
  if (result.warnings.length) {
    lines.push(fill(strings.adjusted, { warnings: result.warnings.join('; ') }))
  }
  lines.push(strings.success, strings.result, '', imageMarkdown(image.alt, image.url))
  return lines.join('\n')
}

/** The whole non-streaming reply. */
export function fullReply(
  language: ReplyLanguage,
  options: {
    original: string
    fallback?: { asked: string; model: string }
    result: GenerationResult
    image: { alt: string; url: string; size: Size }
  },
): string {
  const { result, image } = options
  const prepared = {
    promptModel: result.promptModel,
    prompt: result.finalPrompt,
    note: result.promptNote,
  }
  return (
    openingSection(language, options.original, options.fallback) +
    promptSection(language, prepared, image.size) +
    resultSection(language, result, image, image.size)
  )
}

/** A failure after the stream began, as readable text. */
export function failureText(language: ReplyLanguage, message: string): string {
  return fill(REPLY_STRINGS[language].failed, { message })
}
