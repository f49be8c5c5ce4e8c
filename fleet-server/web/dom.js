// A tiny element builder: h('td', { class: 'x', dataset: { testid: 'y' } }, 'text', child, ...)

/**
 * What `h` takes as children: nodes and text; null, undefined and false are left out (so
 * `cond && h(...)` works), arrays are flattened (the type allows two levels: JSDoc types cannot
 * refer to themselves).
 * @typedef {Node | string | number | boolean | null | undefined} Leaf
 * @typedef {Leaf | Array<Leaf | Leaf[]>} Child
 */
/**
 * Attributes: `class`, `dataset` (an object), `on<event>` listeners, and any other attribute (true
 * sets it empty; null, undefined and false leave it out).
 * @typedef {Record<string, unknown>} Attrs
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {Child[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name === 'dataset') Object.assign(el.dataset, value)
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), /** @type {EventListener} */ (value))
    else if (name === 'class') el.className = String(value)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

/**
 * @param {HTMLElement} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    if (Array.isArray(child)) append(el, child)
    else el.append(child instanceof Node ? child : String(child))
  }
}

/**
 * A table with a caption, header cells and rows. `hideCaption` keeps the caption for screen
 * readers only, when a heading right above already says the same.
 * @param {string} caption
 * @param {string[]} headers
 * @param {Node[]} rows
 * @param {Attrs} [attrs]
 */
export function table(caption, headers, rows, attrs = {}, hideCaption = false) {
  return h('table', attrs,
    h('caption', { class: hideCaption ? 'visually-hidden' : undefined }, caption),
    h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, rows))
}

/**
 * A section headed by an h3 that names it (aria-labelledby).
 * @param {string} id the heading's id
 * @param {string} heading
 * @param {Child} body
 */
export function section(id, heading, body) {
  return h('section', { 'aria-labelledby': id }, h('h3', { id }, heading), body)
}

const SVG = 'http://www.w3.org/2000/svg'

/**
 * An SVG element with these attributes (inline charts).
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
export function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  return node
}
