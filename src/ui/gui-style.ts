/** The playground's own styles, on top of BASE_CSS (colours, fonts, cards). */
export const GUI_CSS = `
[hidden] { display: none !important }
:root { --danger: #b3261e; --danger-bg: #fdecea; --radius: 10px }
@media (prefers-color-scheme: dark) { :root { --danger: #ffb4ab; --danger-bg: #3b1714 } }
.top { max-width: 76rem; margin: 0 auto; padding: 1.25rem 1rem 0; display: flex; gap: 1rem;
  align-items: flex-start; justify-content: space-between }
.top h1 { margin: 0; font-size: 1.5rem }
.top p { margin: 0.15rem 0 0 }
.top nav { display: flex; gap: 0.5rem; flex-wrap: wrap; justify-content: flex-end }
main.layout { max-width: 76rem; display: grid; gap: 0 1.25rem; padding-top: 0.5rem;
  grid-template-columns: minmax(19rem, 25rem) 1fr; grid-template-areas: "controls output" "history history" }
.controls { grid-area: controls; align-self: start }
.output { grid-area: output; min-height: 20rem; display: flex; flex-direction: column;
  justify-content: center }
.history { grid-area: history }
@media (max-width: 52rem) {
  main.layout { grid-template-columns: 1fr; grid-template-areas: "controls" "output" "history" }
  .output { min-height: 10rem }
}
label, legend { display: block; font-weight: 600; font-size: 0.9rem; margin: 0.75rem 0 0.3rem }
label > span { display: block; margin-bottom: 0.3rem }
textarea, input, select, button, .button { font: inherit; color: inherit }
textarea, input, select { font-weight: 400 }
button, .button { white-space: nowrap }
textarea, input[type=number], input[type=password], select { width: 100%; padding: 0.5rem 0.6rem;
  border: 1px solid var(--border); border-radius: 8px; background: var(--bg) }
textarea { resize: vertical; min-height: 6rem }
fieldset { border: 0; padding: 0; margin: 0 }
legend { padding: 0 }
button, .button { display: inline-flex; align-items: center; justify-content: center; gap: 0.4rem;
  padding: 0.5rem 0.9rem; border: 1px solid var(--border); border-radius: 8px; background: var(--card);
  cursor: pointer; text-decoration: none; line-height: 1.3; min-height: 2.5rem }
button:hover, .button:hover { border-color: var(--accent) }
button:disabled { opacity: 0.6; cursor: progress }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600;
  padding: 0.6rem 1.4rem }
@media (prefers-color-scheme: dark) { button.primary { color: #141418 } }
button.ghost { background: transparent }
button.link { border: 0; background: none; padding: 0; min-height: 0; color: var(--accent);
  text-decoration: underline; font-size: inherit }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px }
textarea:focus-visible, input:focus-visible, select:focus-visible { outline-offset: 0 }
.small { font-size: 0.85rem }
.inline { display: flex; gap: 0.5rem; align-items: end }
.inline label { flex: 1; margin: 0 }
.grid3 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 0.6rem }
.grid3 label { min-width: 0 }
.grid3 label:first-child { grid-column: 1 / -1 }
.pills { display: grid; grid-template-columns: repeat(auto-fill, minmax(5.2rem, 1fr)); gap: 0.4rem }
.pill { margin: 0; font-weight: 500 }
.pill input { position: absolute; opacity: 0; width: 1px; height: 1px }
.pill span { display: flex; flex-direction: column; align-items: center; padding: 0.35rem 0.3rem;
  border: 1px solid var(--border); border-radius: 8px; cursor: pointer; margin: 0; line-height: 1.25;
  height: 100%; justify-content: center }
.pill small { color: var(--muted); font-weight: 400; font-size: 0.72rem }
.pill input:checked + span { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent);
  background: color-mix(in srgb, var(--accent) 12%, transparent) }
.pill input:focus-visible + span { outline: 3px solid var(--accent); outline-offset: 2px }
#custom-size { margin-top: 0.5rem }
#custom-size label span { font-weight: 500 }
.check { display: flex; gap: 0.5rem; align-items: center; font-weight: 500 }
.check span { margin: 0 }
.check input { width: 1.1rem; height: 1.1rem; margin: 0; accent-color: var(--accent) }
.actions { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; margin-top: 1rem }
.key-panel { border: 1px solid var(--accent); border-radius: var(--radius); padding: 0.25rem 0.8rem 0.5rem;
  margin-top: 0.5rem }
.key-panel #key-message { font-weight: 600; margin: 0.5rem 0 0 }
.placeholder { text-align: center; margin: 3rem 0 }
.progress p { text-align: center; margin: 0.6rem 0 }
.progress .bar { height: 6px; border-radius: 3px; overflow: hidden; background: var(--border);
  position: relative }
.progress .bar::after { content: ""; position: absolute; inset: 0; width: 35%; border-radius: 3px;
  background: var(--accent); animation: slide 1.2s ease-in-out infinite }
@keyframes slide { from { transform: translateX(-100%) } to { transform: translateX(290%) } }
@media (prefers-reduced-motion: reduce) { .progress .bar::after { animation: none; width: 100%;
  opacity: 0.5 } }
.error { color: var(--danger); background: var(--danger-bg); border-radius: 8px; padding: 0.7rem 0.9rem;
  white-space: pre-wrap; overflow-wrap: anywhere }
figure { margin: 0; transition: opacity 0.2s }
.output.busy figure { opacity: 0.4 }
#image-link { display: block; text-align: center; flex: 1; min-width: 0 }
#image, #r-inputs img { max-width: 100%; max-height: 70vh; height: auto; border-radius: 8px; background: var(--border) }
.pair { display: flex; gap: 0.6rem; align-items: center }
#r-inputs { display: grid; gap: 0.4rem; width: 22% }
#r-inputs img { width: 100% }
.drop { border: 1px dashed var(--border); border-radius: 8px; padding: 0.5rem }
#files { width: 100% }
#refs { grid-template-columns: repeat(4, 1fr) }
footer { max-width: 76rem; margin: 0 auto; padding: 0 1rem 2rem }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.9rem; margin: 0.9rem 0 0;
  font-size: 0.92rem }
dt { color: var(--muted) }
dd { margin: 0; overflow-wrap: anywhere }
.history-head { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem }
.history h2 { font-size: 1.1rem; margin: 0.2rem 0 }
.thumbs { list-style: none; padding: 0; margin: 0.5rem 0 0; display: grid; gap: 0.6rem;
  grid-template-columns: repeat(auto-fill, minmax(6.5rem, 1fr)) }
.thumbs button { width: 100%; aspect-ratio: 1; padding: 0; overflow: hidden; position: relative;
  border-radius: 8px; background: var(--bg) }
.thumbs img { width: 100%; height: 100%; object-fit: cover; display: block }
.thumbs .label { position: absolute; inset: auto 0 0 0; padding: 0.15rem 0.3rem; font-size: 0.72rem;
  background: rgb(0 0 0 / 55%); color: #fff; white-space: nowrap; overflow: hidden; text-overflow: ellipsis }
.thumbs .gone { font-size: 0.8rem; color: var(--muted); padding: 0.3rem }
@media (max-width: 30rem) {
  .top { flex-direction: column } .top nav { justify-content: flex-start }
}
`
