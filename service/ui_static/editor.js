// A plain textarea with a highlighting layer under it: YAML or Purview XML coloured, and the
// lines lint findings point at shaded. The textarea keeps everything a browser gives a text
// field (undo, selection, screen readers, Tab to move on); the layer is decoration only.

import { element } from "./highlight.js";

export class DraftEditor {
  constructor(textarea, highlight) {
    this.textarea = textarea;
    this.highlight = highlight;
    this.findingLines = new Map();  // line number (0-based) -> "error" | "warning"
    textarea.addEventListener("input", () => this.refresh());
    textarea.addEventListener("scroll", () => this.syncScroll());
    this.refresh();
  }

  get value() {
    return this.textarea.value;
  }

  set value(text) {
    this.textarea.value = text;
    this.findingLines = new Map();
    this.refresh();
    this.textarea.scrollTop = 0;
  }

  get isXml() {
    return this.textarea.value.trimStart().startsWith("<");
  }

  /** Shades the lines of `lines` (a Map of line number to severity) until the text is next replaced. */
  markLines(lines) {
    this.findingLines = lines;
    this.refresh();
  }

  /** Moves the caret to the start of line `line` (0-based) and focuses the editor. */
  goToLine(line) {
    const lines = this.textarea.value.split("\n");
    const offset = lines.slice(0, line).reduce((sum, text) => sum + text.length + 1, 0);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, line * lineHeight - this.textarea.clientHeight / 3);
    this.syncScroll();
  }

  refresh() {
    const text = this.textarea.value;
    const lines = text.split("\n");
    const tokenised = this.isXml ? xmlLines(text) : lines.map(yamlLine);
    const fragment = document.createDocumentFragment();
    tokenised.forEach((tokens, number) => {
      const severity = this.findingLines.get(number);
      const line = element("span", severity ? `line finding-${severity}` : "line");
      if (severity) line.dataset.finding = severity;
      for (const [kind, part] of tokens) line.append(kind ? element("span", `tok-${kind}`, part) : part);
      if (tokens.length === 0) line.append("\u200b");
      fragment.append(line);
    });
    this.highlight.replaceChildren(fragment);
    this.syncScroll();
  }

  syncScroll() {
    const layer = this.highlight.parentElement;
    layer.scrollTop = this.textarea.scrollTop;
    layer.scrollLeft = this.textarea.scrollLeft;
  }
}

const YAML_KEY = /^(\s*(?:-\s+)?)((?:"[^"]*"|'[^']*'|[^\s#'"{}[\],:][^#:]*?))(\s*:)(?=\s|$)/;
const YAML_SCALAR = /("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|(#.*$)|(\b-?\d+(?:\.\d+)?\b|\btrue\b|\bfalse\b|\bnull\b)/g;

/** One line of YAML as [kind, text] tokens: keys, quoted strings, numbers and booleans, comments. */
function yamlLine(line) {
  const tokens = [];
  let rest = line;
  const key = YAML_KEY.exec(line);
  if (key && !key[1].trimStart().startsWith("#")) {
    tokens.push(["", key[1]], ["key", key[2]], ["", key[3]]);
    rest = line.slice(key[0].length);
  }
  let position = 0;
  for (const found of rest.matchAll(YAML_SCALAR)) {
    if (found[2] && found.index > 0 && !/\s/.test(rest[found.index - 1])) continue;  // a # inside a value
    tokens.push(["", rest.slice(position, found.index)]);
    tokens.push([found[1] ? "string" : found[2] ? "comment" : "number", found[0]]);
    position = found.index + found[0].length;
  }
  tokens.push(["", rest.slice(position)]);
  return tokens.filter(([, text]) => text);
}

const XML_TOKEN = /(<!--[\s\S]*?(?:-->|$))|(<\/?[\w:.-]+|\/?>|<\?[\w:.-]+|\?>)|([\w:.-]+)(?==)|("[^"]*"|'[^']*')/g;

/** XML as tokens per line: a comment or a string may span lines, so the text is tokenised whole, then cut. */
function xmlLines(text) {
  const lines = [[]];
  const push = (kind, part) => {
    part.split("\n").forEach((piece, index) => {
      if (index > 0) lines.push([]);
      if (piece) lines[lines.length - 1].push([kind, piece]);
    });
  };
  let position = 0;
  let inTag = false;
  for (const found of text.matchAll(XML_TOKEN)) {
    if (!inTag && (found[3] || found[4])) continue;  // attribute-like text outside a tag is content
    push("", text.slice(position, found.index));
    if (found[1]) push("comment", found[1]);
    else if (found[2]) {
      inTag = !found[2].endsWith(">");
      push("tag", found[2]);
    } else if (found[3]) push("attr", found[3]);
    else push("string", found[4]);
    position = found.index + found[0].length;
  }
  push("", text.slice(position));
  return lines;
}

/**
 * The line (0-based) a finding's path points at in a YAML draft, e.g. `patterns[1].supporting`
 * in the second document of the stream for source `<draft>[1]`; null when it cannot be found.
 * Block style is followed key by key and item by item; inside a flow mapping the line of the
 * outermost key found is the answer.
 */
export function lineOfPath(text, source, path) {
  const lines = text.split("\n");
  const [start, end] = documentRange(lines, Number((/\[(\d+)\]$/.exec(source || "") || [0, 0])[1]));
  if (start === null) return null;
  let line = start;
  let indent = -1;  // the indentation of the container being searched; -1 for the document
  let fromItem = false;  // the search starts on a "- key: value" line, whose key belongs to the item
  let best = null;
  for (const segment of pathSegments(path)) {
    let found = null;
    let itemIndent;
    let count = 0;
    for (let number = line; number < end && !found; number += 1) {
      const content = lines[number].trimStart();
      if (!content || content.startsWith("#")) continue;
      const here = lines[number].length - content.length;
      const dash = /^-(\s+|$)/.exec(content);
      if (segment.key !== undefined) {
        if (!(number === line && fromItem) && here <= indent) break;
        const body = dash ? content.slice(dash[0].length) : content;
        if (body.startsWith(`${segment.key}:`) || body.startsWith(`"${segment.key}":`)) {
          found = { number, indent: dash ? here + dash[0].length : here, item: false };
        }
      } else {
        if (here < indent || (here === indent && !dash)) break;
        if (!dash) continue;
        itemIndent = itemIndent === undefined ? here : itemIndent;
        if (here !== itemIndent) continue;
        if (count === segment.index) found = { number, indent: here, item: true };
        count += 1;
      }
    }
    if (!found) break;
    best = found.number;
    indent = found.indent;
    fromItem = found.item;
    line = found.item ? found.number : found.number + 1;
  }
  return best;
}

function pathSegments(path) {
  const segments = [];
  for (const piece of (path || "").split(".")) {
    if (/^\d+$/.test(piece)) {
      segments.push({ index: Number(piece) });  // the loader's messages write an item as .0.
      continue;
    }
    const found = /^([^[]*)((?:\[\d+\])*)$/.exec(piece);
    if (!found) break;
    if (found[1]) segments.push({ key: found[1] });
    for (const index of found[2].matchAll(/\[(\d+)\]/g)) segments.push({ index: Number(index[1]) });
  }
  return segments;
}

/** The lines [start, end) of document `index` of a YAML stream; a stream may or may not open with ---. */
function documentRange(lines, index) {
  const separators = [];
  lines.forEach((line, number) => {
    if (/^---\s*$/.test(line)) separators.push(number);
  });
  const firstContent = lines.findIndex((line) => line.trim() && !line.trimStart().startsWith("#"));
  const bounds = firstContent >= 0 && firstContent === separators[0] ? separators : [-1, ...separators];
  if (index >= bounds.length) return [null, null];
  const end = index + 1 < bounds.length ? bounds[index + 1] : lines.length;
  return [bounds[index] + 1, end];
}
