import type { ReplyLanguage } from '../config.ts'
import type { GenerationEvent, GenerationResult } from '../generate/index.ts'
import { imageMarkdown } from './image-link.ts'
import { codeSpan, inertText, LINE_END } from './markdown.ts'
import { fill, REPLY_STRINGS } from './strings.ts'

/**
 * The chat reply in Flux-API-Worker's layout, built from sections so the stream can send each
 * one as soon as it is known and the non-streaming reply is the same sections joined:
 *
 *   🎨 Original prompt: `A cute cat 3:2`           <- opening (at once)
 *   ✏️ Edit · input images: 1                       <- (edits only)
 *   💬 Prompt generation model: Original Prompt    <- prompt (once the prompt is ready)
 *   🌐 Optimized prompt: `A cute cat`
 *   📐 Image specifications: 768x512               <- result (the image's own size)
 *   🤖 Model: demo (provider: demo)
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

/** What the opening says besides the prompt: a model fallback, and an edit's input count. */
export type ReplyNotes = { fallback?: Fallback; inputs?: number }

/** The edit line and the fallback note, each when it applies. */
const notesText = (language: ReplyLanguage, notes: ReplyNotes) => {
  const strings = REPLY_STRINGS[language]
  const { fallback, inputs } = notes
  return [
    ...(inputs ? [fill(strings.edit, { count: inputs })] : []),
    ...(fallback
      ? [
          fill(strings.modelFallback, {
            asked: codeSpan(fallback.asked),
            model: codeSpan(fallback.model),
          }),
        ]
      : []),
  ]
}

/** The original prompt, then whether it is an edit and whether the model asked for was used. */
export function openingSection(language: ReplyLanguage, original: string, notes: ReplyNotes = {}) {
  const strings = REPLY_STRINGS[language]
  return lines([
    fill(strings.original, { prompt: codeSpan(original) }),
    ...notesText(language, notes),
  ])
}

/** Who rewrote the prompt and the prompt sent upstream. */
export function promptSection(
  language: ReplyLanguage,
  prepared: { promptModel: string | null; prompt: string; note?: string },
): string {
  const strings = REPLY_STRINGS[language]
  const model = inertText(prepared.promptModel ?? strings.noPromptModel)
  const texts = [
    fill(strings.promptModel, { model }),
    fill(strings.optimized, { prompt: codeSpan(prepared.prompt) }),
  ]
  if (prepared.note) texts.push(fill(strings.note, { note: inertText(prepared.note) }))
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

/** What a stream tells of a generation event: the prepared prompt, or a progress line. */
export function progressText(language: ReplyLanguage, event: GenerationEvent): string {
  if (event.type === 'prompt-ready') return promptSection(language, event)
  if (event.type === 'attempt') return attemptLine(language, event.model, event.provider)
  return progressLine(event.message)
}

const modelText = (result: GenerationResult) =>
  inertText(
    result.upstreamModel === result.model
      ? result.model
      : `${result.model} → ${result.upstreamModel}`,
  )

const adjustedNote = (language: ReplyLanguage, result: GenerationResult) =>
  result.warnings.length
    ? [fill(REPLY_STRINGS[language].adjusted, { warnings: inertText(result.warnings.join('; ')) })]
    : []

/**
 * The image's size, model, seed, time and the image. The size is only told here, once the image
 * exists: the size known before may not be the one a model (or a failover target) chose.
 */
export function resultSection(
  language: ReplyLanguage,
  result: GenerationResult,
  image: { alt: string; url: string; size: Size },
): string {
  const strings = REPLY_STRINGS[language]
  const texts = [
    fill(strings.size, { size: sizeText(image.size) }),
    fill(strings.model, { model: modelText(result), provider: inertText(result.provider) }),
  ]
  if (result.seed !== undefined) texts.push(fill(strings.seed, { seed: result.seed }))
  texts.push(fill(strings.time, { seconds: (result.elapsedMs / 1000).toFixed(1) }))
  texts.push(...adjustedNote(language, result), strings.success, strings.result)
  // The blank line ends the paragraph, so the image stands on its own.
  return `${lines(texts)}\n${imageMarkdown(image.alt, image.url)}`
}

/**
 * The short text beside an image sent OpenRouter's way, in place of the markdown reply: what was
 * drawn, its size, the model and the seed on one line, after any note. No image in it, so a
 * client that shows `images` does not show the picture twice.
 */
export function captionText(
  language: ReplyLanguage,
  options: ReplyNotes & { result: GenerationResult; image: { alt: string; size: Size } },
): string {
  const { result, image } = options
  const facts = [codeSpan(image.alt), `📐 ${sizeText(image.size)}`, `🤖 ${modelText(result)}`]
  if (result.seed !== undefined) facts.push(`🎲 ${result.seed}`)
  return [
    ...notesText(language, options),
    `🎨 ${facts.join(' · ')}`,
    ...adjustedNote(language, result),
  ].join(LINE_END)
}

/** The whole non-streaming reply. */
export function fullReply(
  language: ReplyLanguage,
  options: ReplyNotes & {
    original: string
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
    openingSection(language, options.original, options) +
    promptSection(language, prepared) +
    resultSection(language, result, image)
  )
}

/** A failure after the stream began, as readable text. */
export function failureText(language: ReplyLanguage, message: string): string {
  return fill(REPLY_STRINGS[language].failed, { message: inertText(message) })
}
