/**
 * Housekeeping prompts as each client sends them (from each client's source: NextChat
 * `app/locales/{en,cn}.ts`, Open WebUI `config.py`, ChatBox `prompts.ts`), shared by the unit
 * and real-HTTP tests.
 */
export const NEXTCHAT_TITLE =
  'Please generate a four to five word title summarizing our conversation without any lead-in, punctuation, quotation marks, periods, symbols, bold text, or additional text. Remove enclosing quotation marks.'
export const NEXTCHAT_TITLE_ZH =
  '使用四到五个字直接返回这句话的简要主题，不要解释、不要标点、不要语气词、不要多余文本，不要加粗，如果没有主题，请直接返回“闲聊”'
export const NEXTCHAT_SUMMARY =
  'Summarize the discussion briefly in 200 words or less to use as a prompt for future context.'
const history = (user: string) =>
  `<chat_history>\nUSER: ${user}\nASSISTANT: 🎨 Original prompt: ${user}\n![x](http://h/image/k)\n</chat_history>`
export const openWebUi = {
  title: (user: string) =>
    `### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n### Guidelines:\n- The title should clearly represent the main theme or subject of the conversation.\n### Output:\nJSON format: { "title": "your concise title here" }\n### Chat History:\n${history(user)}`,
  tags: (user: string) =>
    `### Task:\nGenerate 1-3 broad tags categorizing the main themes of the chat history, along with 1-3 more specific subtopic tags.\n\n### Guidelines:\n- Start with high-level domains\n\n### Output:\nJSON format: { "tags": ["tag1", "tag2", "tag3"] }\n\n### Chat History:\n${history(user)}`,
  followUps: (user: string) =>
    `### Task:\nSuggest 3-5 relevant follow-up questions or prompts that the user might naturally ask next in this conversation as a **user**, based on the chat history, to help continue or deepen the discussion.\n### Guidelines:\n- Write all follow-up questions from the user's point of view.\n### Output:\nJSON format: { "follow_ups": ["Question 1?", "Question 2?", "Question 3?"] }\n### Chat History:\n${history(user)}`,
  queries: (user: string) =>
    `### Task:\nAnalyze the chat history to determine the necessity of generating search queries, in the given language.\n### Output:\nJSON format: { "queries": ["query1"] }\n### Chat History:\n${history(user)}`,
}
export const chatBoxName = (user: string) =>
  `Based on the chat history, give this conversation a name.\nKeep it short - 10 characters max, no quotes.\nUse English.\nJust provide the name, nothing else.\n\nHere's the conversation:\n\n\`\`\`\n${user}\n\n---------\n\n🎨 Original prompt: ${user}\n💬 Prompt generation model: Original Prompt\n\`\`\`\n\nName this conversation in 10 characters or less.\nUse English.\nOnly give the name, nothing else.\n\nThe name is:`
