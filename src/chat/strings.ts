import type { ReplyLanguage } from '../config.ts'

/**
 * Every piece of chat reply text in every REPLY_LANGUAGE, in one table (Flux-API-Worker kept one
 * copy of its whole script per language). `{name}` marks a value filled in by reply-text.ts,
 * which makes it inert markdown first; model names arrive as code spans, so the templates do not
 * quote them. The emoji and line order follow Flux-API-Worker's English reply.
 */
export type ReplyStrings = {
  original: string
  promptModel: string
  /** Shown as the prompt model when no LLM rewrote the prompt (Flux-API-Worker's wording). */
  noPromptModel: string
  optimized: string
  note: string
  size: string
  modelFallback: string
  /** An edit: how many images went in. */
  edit: string
  attempt: string
  model: string
  seed: string
  time: string
  adjusted: string
  success: string
  result: string
  failed: string
  /** Conversation title when the history holds no prompt. */
  untitled: string
  /** NextChat's memory summary. */
  summary: string
}

export const REPLY_STRINGS: Readonly<Record<ReplyLanguage, ReplyStrings>> = {
  en: {
    original: '🎨 Original prompt: {prompt}',
    promptModel: '💬 Prompt generation model: {model}',
    noPromptModel: 'Original Prompt',
    optimized: '🌐 Optimized prompt: {prompt}',
    note: 'ℹ️ Note: {note}',
    size: '📐 Image specifications: {size}',
    modelFallback: 'ℹ️ The model {asked} is not available here; the default model {model} was used.',
    edit: '✏️ Edit · input images: {count}',
    attempt: '⏳ Generating with {model} via {provider}…',
    model: '🤖 Model: {model} (provider: {provider})',
    seed: '🎲 Seed: {seed}',
    time: '⏱️ Time taken: {seconds} s',
    adjusted: '⚠️ Adjusted: {warnings}',
    success: '🌟 Image generation successful!',
    result: "Here's the result:",
    failed: '❌ Image generation failed: {message}',
    untitled: 'Image chat',
    summary: 'The user asked for images of: {prompts}',
  },
  'zh-CN': {
    original: '🎨 原始提示词：{prompt}',
    promptModel: '💬 提示词生成模型：{model}',
    noPromptModel: '原始提示词',
    optimized: '🌐 优化后的提示词：{prompt}',
    note: 'ℹ️ 说明：{note}',
    size: '📐 图像规格：{size}',
    modelFallback: 'ℹ️ 此处没有模型 {asked}，已使用默认模型 {model}。',
    edit: '✏️ 图像编辑 · 输入图像：{count}',
    attempt: '⏳ 正在通过 {provider} 使用 {model} 生成…',
    model: '🤖 模型：{model}（服务商：{provider}）',
    seed: '🎲 种子：{seed}',
    time: '⏱️ 耗时：{seconds} 秒',
    adjusted: '⚠️ 已调整：{warnings}',
    success: '🌟 图像生成成功！',
    result: '以下是结果：',
    failed: '❌ 图像生成失败：{message}',
    untitled: '图像对话',
    summary: '用户请求生成的图像：{prompts}',
  },
  'zh-TW': {
    original: '🎨 原始提示詞：{prompt}',
    promptModel: '💬 提示詞生成模型：{model}',
    noPromptModel: '原始提示詞',
    optimized: '🌐 最佳化後的提示詞：{prompt}',
    note: 'ℹ️ 說明：{note}',
    size: '📐 圖像規格：{size}',
    modelFallback: 'ℹ️ 此處沒有模型 {asked}，已使用預設模型 {model}。',
    edit: '✏️ 圖像編輯 · 輸入圖像：{count}',
    attempt: '⏳ 正在透過 {provider} 使用 {model} 生成…',
    model: '🤖 模型：{model}（供應商：{provider}）',
    seed: '🎲 種子：{seed}',
    time: '⏱️ 耗時：{seconds} 秒',
    adjusted: '⚠️ 已調整：{warnings}',
    success: '🌟 圖像生成成功！',
    result: '以下是結果：',
    failed: '❌ 圖像生成失敗：{message}',
    untitled: '圖像對話',
    summary: '使用者要求生成的圖像：{prompts}',
  },
  ja: {
    original: '🎨 元のプロンプト：{prompt}',
    promptModel: '💬 プロンプト生成モデル：{model}',
    noPromptModel: '元のプロンプト',
    optimized: '🌐 最適化されたプロンプト：{prompt}',
    note: 'ℹ️ 注記：{note}',
    size: '📐 画像サイズ：{size}',
    modelFallback: 'ℹ️ モデル {asked} はここでは使えないため、既定のモデル {model} を使用しました。',
    edit: '✏️ 画像編集 · 入力画像：{count}',
    attempt: '⏳ {provider} の {model} で生成中…',
    model: '🤖 モデル：{model}（プロバイダー：{provider}）',
    seed: '🎲 シード：{seed}',
    time: '⏱️ 所要時間：{seconds} 秒',
    adjusted: '⚠️ 調整：{warnings}',
    success: '🌟 画像の生成に成功しました！',
    result: 'こちらが結果です：',
    failed: '❌ 画像の生成に失敗しました：{message}',
    untitled: '画像チャット',
    summary: 'ユーザーが依頼した画像：{prompts}',
  },
  es: {
    original: '🎨 Prompt original: {prompt}',
    promptModel: '💬 Modelo de generación del prompt: {model}',
    noPromptModel: 'Prompt original',
    optimized: '🌐 Prompt optimizado: {prompt}',
    note: 'ℹ️ Nota: {note}',
    size: '📐 Especificaciones de la imagen: {size}',
    modelFallback:
      'ℹ️ El modelo {asked} no está disponible aquí; se usó el modelo predeterminado {model}.',
    edit: '✏️ Edición · imágenes de entrada: {count}',
    attempt: '⏳ Generando con {model} a través de {provider}…',
    model: '🤖 Modelo: {model} (proveedor: {provider})',
    seed: '🎲 Semilla: {seed}',
    time: '⏱️ Tiempo empleado: {seconds} s',
    adjusted: '⚠️ Ajustes: {warnings}',
    success: '🌟 ¡Imagen generada con éxito!',
    result: 'Aquí está el resultado:',
    failed: '❌ No se pudo generar la imagen: {message}',
    untitled: 'Chat de imágenes',
    summary: 'Imágenes pedidas por el usuario: {prompts}',
  },
  fr: {
    original: '🎨 Prompt d’origine : {prompt}',
    promptModel: '💬 Modèle de génération du prompt : {model}',
    noPromptModel: 'Prompt d’origine',
    optimized: '🌐 Prompt optimisé : {prompt}',
    note: 'ℹ️ Remarque : {note}',
    size: '📐 Caractéristiques de l’image : {size}',
    modelFallback:
      'ℹ️ Le modèle {asked} n’est pas disponible ici ; le modèle par défaut {model} a été utilisé.',
    edit: '✏️ Retouche · images d’entrée : {count}',
    attempt: '⏳ Génération avec {model} via {provider}…',
    model: '🤖 Modèle : {model} (fournisseur : {provider})',
    seed: '🎲 Graine : {seed}',
    time: '⏱️ Durée : {seconds} s',
    adjusted: '⚠️ Ajustements : {warnings}',
    success: '🌟 Image générée avec succès !',
    result: 'Voici le résultat :',
    failed: '❌ La génération de l’image a échoué : {message}',
    untitled: 'Discussion d’images',
    summary: 'Images demandées par l’utilisateur : {prompts}',
  },
  ru: {
    original: '🎨 Исходный промпт: {prompt}',
    promptModel: '💬 Модель генерации промпта: {model}',
    noPromptModel: 'Исходный промпт',
    optimized: '🌐 Оптимизированный промпт: {prompt}',
    note: 'ℹ️ Примечание: {note}',
    size: '📐 Параметры изображения: {size}',
    modelFallback: 'ℹ️ Модель {asked} здесь недоступна; использована модель по умолчанию {model}.',
    edit: '✏️ Редактирование · входных изображений: {count}',
    attempt: '⏳ Генерация: {model} через {provider}…',
    model: '🤖 Модель: {model} (провайдер: {provider})',
    seed: '🎲 Сид: {seed}',
    time: '⏱️ Затрачено времени: {seconds} с',
    adjusted: '⚠️ Изменено: {warnings}',
    success: '🌟 Изображение успешно создано!',
    result: 'Вот результат:',
    failed: '❌ Не удалось создать изображение: {message}',
    untitled: 'Чат с изображениями',
    summary: 'Пользователь запросил изображения: {prompts}',
  },
  de: {
    original: '🎨 Ursprünglicher Prompt: {prompt}',
    promptModel: '💬 Modell für die Prompt-Erstellung: {model}',
    noPromptModel: 'Ursprünglicher Prompt',
    optimized: '🌐 Optimierter Prompt: {prompt}',
    note: 'ℹ️ Hinweis: {note}',
    size: '📐 Bildspezifikationen: {size}',
    modelFallback:
      'ℹ️ Das Modell {asked} ist hier nicht verfügbar; das Standardmodell {model} wurde verwendet.',
    edit: '✏️ Bearbeitung · Eingabebilder: {count}',
    attempt: '⏳ Erzeuge mit {model} über {provider}…',
    model: '🤖 Modell: {model} (Anbieter: {provider})',
    seed: '🎲 Seed: {seed}',
    time: '⏱️ Benötigte Zeit: {seconds} s',
    adjusted: '⚠️ Angepasst: {warnings}',
    success: '🌟 Bild erfolgreich erzeugt!',
    result: 'Hier ist das Ergebnis:',
    failed: '❌ Bilderzeugung fehlgeschlagen: {message}',
    untitled: 'Bilder-Chat',
    summary: 'Vom Nutzer gewünschte Bilder: {prompts}',
  },
}

/** Fills `{name}` placeholders; unknown names are left as they are. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  )
}
