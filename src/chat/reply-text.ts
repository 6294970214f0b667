import type { ReplyLanguage } from '../config.ts'
import type { GenerationResult } from '../generate/index.ts'
import { imageMarkdown } from './image-link.ts'
import { codeSpan, inertText, LINE_END } from './markdown.ts'
import { fill, REPLY_STRINGS } from './strings.ts'

/**
 * The chat reply in Flux-API-Worker's layout, built from sections so the stream can send each
 * one as soon as it is known and the non-streaming reply is the same sections joined:
 *
 *   🎨 Original prompt: `A cute cat 3:2`           <- opening (at once)
 *   💬 Prompt generation model: Original Prompt    <- prompt (once the prompt is ready)
 *   🌐 Optimized prompt: `A cute cat`
 *   📐 Image specifications: 768x512
 *   🤖 Model: demo (provider: demo)                <- result
 *   🎲 Seed: 42
 *   ⏱️ Time taken: 0.4 s
 *   🌟 Image generation successful!
 *   Here's the result:
 *
 *   ![A cute cat](https://host/image/key)
 *
 * Every info line ends with a hard break (markdown.ts), every section with a line end except the
 * last, which ends with the image. Prompts and the model name a client asked for are code spans,
 * every other value is inert text: nothing from a request or an upstream becomes markdown.
 */

type Size = { width: number; height: number }
type Fallback = { asked: string; model: string }

const sizeText = (size: Size) => `${size.width}x${size.height}`
const lines = (texts: string[]) => texts.map((text) => text + LINE_END).join('')

/** The original prompt, and a note when the asked-for model was not available. */
export function openingSection(language: ReplyLanguage, original: string, fallback?: Fallback) {
  const strings = REPLY_STRINGS[language]
  const texts = [fill(strings.original, { prompt: codeSpan(original) })]
  if (fallback) {
    const names = { asked: codeSpan(fallback.asked), model: codeSpan(fallback.model) }
    texts.push(fill(strings.modelFallback, names))
  }
  return lines(texts)
}

/** Who rewrote the prompt, the prompt sent upstream, and the size when it is known. */
export function promptSection(
  language: ReplyLanguage,
  prepared: { promptModel: string | null; prompt: string; note?: string },
  size: Size | null,
): string {
  const strings = REPLY_STRINGS[language]
  const model = inertText(prepared.promptModel ?? strings.noPromptModel)
  const texts = [
    fill(strings.promptModel, { model }),
    fill(strings.optimized, { prompt: codeSpan(prepared.prompt) }),
  ]
  if (prepared.note) texts.push(fill(strings.note, { note: inertText(prepared.note) }))
  if (size) texts.push(fill(strings.size, { size: sizeText(size) }))
  return lines(texts)
}

/** A progress line for a streaming client: which upstream is working on it. */
export function attemptLine(language: ReplyLanguage, model: string, provider: string): string {
  const names = { model: inertText(model), provider: inertText(provider) }
  return lines([fill(REPLY_STRINGS[language].attempt, names)])
}

/** A progress line with an upstream's own words (queue position, download). */
export function progressLine(message: string): string {
  return lines([`⏳ ${inertText(message)}`])
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
  const texts: string[] = []
  if (!announced || sizeText(announced) !== sizeText(image.size)) {
    texts.push(fill(strings.size, { size: sizeText(image.size) }))
  }
  const model =
    result.upstreamModel === result.model
      ? result.model
      : `${result.model} → ${result.upstreamModel}`
  texts.push(fill(strings.model, { model: inertText(model), provider: inertText(result.provider) }))
  if (result.seed !== undefined) texts.push(fill(strings.seed, { seed: result.seed }))
  texts.push(fill(strings.time, { seconds: (result.elapsedMs / 1000).toFixed(1) }))
  if (result.warnings.length) {
    texts.push(fill(strings.adjusted, { warnings: inertText(result.warnings.join('; ')) }))
  }
  texts.push(strings.success, strings.result)
  // The blank line ends the paragraph, so the image stands on its own.
  return `${lines(texts)}\n${imageMarkdown(image.alt, image.url)}`
}

/** The whole non-streaming reply. */
export function fullReply(
  language: ReplyLanguage,
  options: {
    original: string
    fallback?: Fallback
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
  return fill(REPLY_STRINGS[language].failed, { message: inertText(message) })
}
