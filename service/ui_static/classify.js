// The Classify view: text or files in, the report shown as a document with its matches in
// place, a tree of parts, the SITs found and every match with its contextual summary.

import { callApi, clearError, showError } from "./api.js";
import { element, renderDocument, renderSummary, sitClass } from "./highlight.js";

const PASTED_NAME = "text";  // the part name the API gives a JSON text
const PASTED_FILE = "pasted text.txt";  // the upload name of pasted text sent along with files
// A plain-text file is its own single part: the page reads it too, to show its matches in place.
const LOCAL_TEXT = /\.(txt|log|csv|tsv|json|md|ya?ml|ini|cfg|conf|env|properties|sh|py|js)$/i;
const LOCAL_TEXT_BYTES = 2_000_000;

const state = {
  files: [],  // File objects chosen or dropped, in order
  localTexts: new Map(),  // part name -> the text the page already holds (what was pasted)
  report: null,
  reveal: false,
  selected: null,  // a part name, or a prefix of part names ending in "/", or null for all
};

const $ = (id) => document.getElementById(id);

export function initClassify() {
  $("classify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  $("classify-clear").addEventListener("click", clear);
  $("classify-files").addEventListener("change", (event) => {
    addFiles(event.target.files);
    event.target.value = "";
  });
  const zone = $("view-classify");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    $("classify-drop").classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => $("classify-drop").classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    $("classify-drop").classList.remove("dragging");
    addFiles(event.dataTransfer.files);
  });
}

function addFiles(fileList) {
  state.files.push(...Array.from(fileList));
  renderFileList();
}

function renderFileList() {
  const list = $("classify-file-list");
  list.replaceChildren();
  state.files.forEach((file, index) => {
    const item = element("li", "", `${file.name} (${file.size} bytes) `);
    const remove = element("button", "link", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove ${file.name}`);
    remove.addEventListener("click", () => {
      state.files.splice(index, 1);
      renderFileList();
    });
    item.append(remove);
    list.append(item);
  });
}

function clear() {
  $("classify-text").value = "";
  state.files = [];
  renderFileList();
  state.report = null;
  $("classify-results").hidden = true;
  $("classify-status").textContent = "";
  clearError($("classify-error"));
}

async function run() {
  const text = $("classify-text").value;
  const reveal = $("classify-reveal").checked;
  const status = $("classify-status");
  clearError($("classify-error"));
  if (!text && state.files.length === 0) {
    showError($("classify-error"), new Error("Paste a text or choose a file first."));
    return;
  }
  state.localTexts = new Map();
  let body;
  if (state.files.length === 0) {
    body = { text, reveal };
    state.localTexts.set(PASTED_NAME, text);
  } else {
    body = new FormData();
    for (const file of state.files) {
      body.append("file", file, file.name);
      if ((file.type === "text/plain" || LOCAL_TEXT.test(file.name)) && file.size <= LOCAL_TEXT_BYTES) {
        state.localTexts.set(file.name, await file.text());
      }
    }
    if (text) {
      body.append("file", new Blob([text], { type: "text/plain" }), PASTED_FILE);
      state.localTexts.set(PASTED_FILE, text);
    }
    if (reveal) body.append("reveal", "true");
  }
  status.textContent = "Classifying…";
  $("classify-run").disabled = true;
  try {
    state.report = await callApi("POST", "classify", body);
    state.reveal = reveal;
    state.selected = null;
    render();
  } catch (error) {
    status.textContent = "";
    showError($("classify-error"), error);
  } finally {
    $("classify-run").disabled = false;
  }
}

/** Every match of the report, flattened, with its SIT's name and colour index. */
function allMatches(report) {
  const matches = [];
  report.results.forEach((result, sitIndex) => {
    for (const match of result.matches) matches.push({ ...match, sitIndex, sitName: result.sit.name });
  });
  return matches;
}

function inSelection(partName) {
  const selected = state.selected;
  if (selected === null) return true;
  return selected.endsWith("/") ? partName.startsWith(selected) : partName === selected;
}

function render() {
  const report = state.report;
  const matches = allMatches(report);
  const found = report.results.length;
  const incomplete = report.complete ? "" : " The answer is incomplete: some part could not be read or timed out.";
  $("classify-status").textContent =
    `${found} SIT${found === 1 ? "" : "s"} found in ${report.parts.length} part${report.parts.length === 1 ? "" : "s"} ` +
    `(${report.stats.elapsed_ms} ms).${incomplete}`;
  renderSitTable(report);
  renderPartsTree(report, matches);
  renderSelection(matches);
  $("classify-results").hidden = false;
}

function renderSitTable(report) {
  const body = $("sit-table").querySelector("tbody");
  body.replaceChildren();
  report.results.forEach((result, index) => {
    const row = element("tr");
    row.dataset.sit = result.sit.name;
    const name = element("td");
    const swatch = element("span", `swatch match ${sitClass(index)}`);
    swatch.setAttribute("aria-hidden", "true");
    name.append(swatch, result.sit.name);
    row.append(
      name,
      element("td", "num count", String(result.count)),
      element("td", "num unique", String(result.unique_count)),
      element("td", "num confidence", String(result.confidence)),
    );
    body.append(row);
  });
  if (report.results.length === 0) {
    const row = element("tr");
    const cell = element("td", "", "No SIT found.");
    cell.colSpan = 4;
    row.append(cell);
    body.append(row);
  }
}

/** Parts are named by their path (mail.eml/attachments/a.zip/b.docx/body): a tree of those paths. */
function buildTree(parts) {
  const root = { name: "", path: "", children: new Map(), part: null };
  for (const part of parts) {
    const segments = part.name.split("/");
    let node = root;
    segments.forEach((segment, depth) => {
      const path = segments.slice(0, depth + 1).join("/");
      if (!node.children.has(segment)) node.children.set(segment, { name: segment, path, children: new Map(), part: null });
      node = node.children.get(segment);
    });
    node.part = part;
  }
  return root;
}

function renderPartsTree(report, matches) {
  const tree = buildTree(report.parts);
  const counts = (path, exact) =>
    matches.filter((m) => (exact ? m.part === path : m.part === path || m.part.startsWith(`${path}/`))).length;
  const list = element("ul");
  list.append(treeItem({ label: "All parts", selection: null, count: matches.length }));
  const walk = (node, into) => {
    for (const child of node.children.values()) {
      const isFolder = child.children.size > 0;
      const item = treeItem({
        label: child.name,
        selection: isFolder ? `${child.path}/` : child.path,
        count: counts(child.path, !isFolder),
        error: child.part && child.part.error ? child.part.error.code : null,
      });
      if (isFolder) {
        const nested = element("ul");
        walk(child, nested);
        item.append(nested);
      }
      into.append(item);
    }
  };
  walk(tree, list);
  $("parts-tree").replaceChildren(list);
}

function treeItem({ label, selection, count, error }) {
  const item = element("li");
  const button = element("button", "part-button");
  button.type = "button";
  button.dataset.selection = selection === null ? "" : selection;
  button.append(label, " ", element("span", "count", `(${count})`));
  if (error) button.append(` — ${error}`);
  if (selection === state.selected) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => {
    state.selected = selection;
    for (const other of $("parts-tree").querySelectorAll("button")) other.removeAttribute("aria-current");
    button.setAttribute("aria-current", "true");
    renderSelection(allMatches(state.report));
  });
  item.append(button);
  return item;
}

function renderSelection(matches) {
  const shown = matches.filter((m) => inSelection(m.part));
  const view = $("document-view");
  const caption = $("document-caption");
  const part = state.selected === null && state.report.parts.length === 1 ? state.report.parts[0].name : state.selected;
  const localText = part !== null ? localTextOf(part) : undefined;
  if (localText !== undefined) {
    caption.textContent = `${part}: every match in place.`;
    renderDocument(view, localText, shown, state.reveal);
    view.hidden = false;
  } else {
    // The service sends back no extracted text, only masked contexts: the document of a file is its contexts.
    caption.textContent =
      "The service does not send the text it extracted from a file back; each match is shown in its context below." +
      " Choose a part on the left to see only its matches.";
    view.replaceChildren();
    view.hidden = true;
  }
  renderMatchList(shown);
}

/** The text the page holds for a part, if it is exactly what the service classified (same code points). */
function localTextOf(partName) {
  const text = state.localTexts.get(partName);
  const part = state.report.parts.find((p) => p.name === partName);
  if (text === undefined || !part || part.error) return undefined;
  // A file the browser decoded differently (not UTF-8) would put the marks in the wrong places.
  if (text.includes("\ufffd") || Array.from(text).length !== part.chars) return undefined;
  return text;
}

function renderMatchList(matches) {
  const list = $("match-list");
  list.replaceChildren();
  if (matches.length === 0) {
    list.append(element("p", "help", "No match in this selection."));
    return;
  }
  for (const match of matches) {
    const article = element("article", "match");
    article.dataset.sit = match.sitName;
    const heading = element("h4");
    const swatch = element("span", `swatch match ${sitClass(match.sitIndex)}`);
    swatch.setAttribute("aria-hidden", "true");
    heading.append(swatch, `${match.sitName} — confidence ${match.confidence}`);
    const details = element("dl");
    const add = (term, value, className) => details.append(element("dt", "", term), element("dd", className, value));
    add("Part", match.part);
    add("Pattern", match.pattern);
    add("Value", match.value, "value");
    if (match.evidence.length) add("Evidence", match.evidence.map((e) => `${e.text} (${e.element})`).join(", "));
    article.append(heading, details, renderSummary(match.summary, match));
    list.append(article);
  }
}
