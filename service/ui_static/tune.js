// The Tune view: a draft (from a loaded SIT, a file or typed) and samples; each run lints the
// draft, runs its examples and shows, per sample, what it finds and why every other candidate
// did not match. Samples stay across runs; the draft downloads as YAML or Purview XML.

import { callApi, clearError, showError } from "./api.js";
import { DraftEditor, lineOfPath } from "./editor.js";
import { element, renderSummary } from "./highlight.js";

const $ = (id) => document.getElementById(id);

const state = {
  samples: [],  // {id, kind: "text", textarea} or {id, kind: "file", file}
  nextSample: 1,
  sitsLoaded: false,
};
let editor;

export function initTune() {
  editor = new DraftEditor($("draft-editor"), $("draft-highlight"));
  $("builtin-load").addEventListener("click", loadBuiltin);
  $("draft-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (file) {
      editor.value = await file.text();
      $("tune-status").textContent = `Opened ${file.name}.`;
    }
    event.target.value = "";
  });
  $("sample-add").addEventListener("click", () => addTextSample("", true));
  $("sample-files").addEventListener("change", (event) => {
    for (const file of event.target.files) addFileSample(file);
    event.target.value = "";
  });
  $("tune-run").addEventListener("click", run);
  $("download-yaml").addEventListener("click", () => download("yaml"));
  $("download-purview").addEventListener("click", () => download("purview"));
  addTextSample("", false);
}

/** Fills the list of loaded SITs; called when the view is first shown and when the key changes. */
export async function loadSitList() {
  const select = $("builtin-sit");
  try {
    const answer = await callApi("GET", "sits");
    const sits = [...answer.sits].sort((a, b) => a.name.localeCompare(b.name));
    select.replaceChildren(element("option", "", "(choose a SIT)"));
    select.firstChild.value = "";
    for (const sit of sits) {
      const option = element("option", "", sit.name);
      option.value = sit.id;
      select.append(option);
    }
    state.sitsLoaded = true;
  } catch (error) {
    select.replaceChildren(element("option", "", "(could not list the SITs)"));
    select.firstChild.value = "";
    showError($("tune-error"), error);
  }
}

export function sitsLoaded() {
  return state.sitsLoaded;
}

async function loadBuiltin() {
  const sit = $("builtin-sit").value;
  if (!sit) return;
  clearError($("tune-error"));
  try {
    const answer = await callApi("POST", "sits/convert", { sit, to: "yaml" });
    editor.value = answer.text;
    $("tune-status").textContent = `Loaded ${answer.definitions.map((d) => d.name).join(", ")} as a draft.`;
  } catch (error) {
    showError($("tune-error"), error);
  }
}

function addTextSample(text, focus) {
  const id = state.nextSample++;
  const box = element("div", "sample-input");
  const head = element("div", "sample-head");
  const label = element("label", "", `Sample ${id}`);
  label.htmlFor = `sample-${id}`;
  const remove = removeButton(`Remove sample ${id}`, id, box);
  head.append(label, remove);
  const textarea = element("textarea");
  textarea.id = `sample-${id}`;
  textarea.rows = 3;
  textarea.spellcheck = false;
  textarea.value = text;
  box.append(head, textarea);
  $("sample-list").append(box);
  state.samples.push({ id, kind: "text", textarea });
  if (focus) textarea.focus();
}

function addFileSample(file) {
  const id = state.nextSample++;
  const box = element("div", "sample-input");
  const head = element("div", "sample-head");
  head.append(element("span", "", `Sample ${id}: ${file.name} (${file.size} bytes)`), removeButton(`Remove ${file.name}`, id, box));
  box.append(head);
  $("sample-list").append(box);
  state.samples.push({ id, kind: "file", file });
}

function removeButton(label, id, box) {
  const button = element("button", "link", "Remove");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => {
    state.samples = state.samples.filter((sample) => sample.id !== id);
    box.remove();
  });
  return button;
}

/** The samples as the API's multipart `sample` files, each named so its outcome can be told apart. */
function sampleForm() {
  const form = new FormData();
  form.append("definition", editor.value);
  for (const sample of state.samples) {
    if (sample.kind === "file") form.append("sample", sample.file, sample.file.name);
    else if (sample.textarea.value) {
      form.append("sample", new Blob([sample.textarea.value], { type: "text/plain" }), `Sample ${sample.id}`);
    }
  }
  if ($("tune-reveal").checked) form.append("reveal", "true");
  return form;
}

async function run() {
  clearError($("tune-error"));
  if (!editor.value.trim()) {
    showError($("tune-error"), new Error("Write, open or load a draft first."));
    return;
  }
  $("tune-status").textContent = "Running…";
  $("tune-run").disabled = true;
  try {
    const trial = await callApi("POST", "sits/test", sampleForm());
    showFindings(trial.lint.map((f) => ({ ...f, where: f.path })));
    renderTrial(trial);
    const matched = trial.samples.filter((s) => s.results && s.results.length).length;
    $("tune-status").textContent =
      `${trial.passed ? "Passed" : "Not passed"}: ${matched} of ${trial.samples.length} samples matched ` +
      `(${trial.elapsed_ms} ms).`;
  } catch (error) {
    $("tune-status").textContent = "";
    $("tune-results").replaceChildren();
    if (error.status === 422 && error.problem.type && error.problem.type.endsWith("/invalid-draft")) {
      // "field" is "<source>: <path>" or just the source.
      showFindings(
        (error.problem.errors || []).map((e) => {
          const [source, path] = e.field.includes(": ") ? e.field.split(/: (.*)/s) : [e.field, ""];
          return { severity: "error", source, path, where: path, message: e.message, code: "unreadable" };
        }),
      );
    }
    showError($("tune-error"), error);
  } finally {
    $("tune-run").disabled = false;
  }
}

/** Lint findings listed under the editor, and their lines shaded in it when the draft is YAML. */
function showFindings(findings) {
  const list = $("lint-list");
  list.replaceChildren();
  const lines = new Map();
  if (findings.length === 0) list.append(element("li", "help", "No findings."));
  for (const finding of findings) {
    const item = element("li", "finding");
    item.dataset.severity = finding.severity;
    item.append(element("span", `severity-${finding.severity}`, finding.severity), " ");
    const line = editor.isXml ? null : lineOfPath(editor.value, finding.source, finding.path);
    if (line !== null) {
      if (lines.get(line) !== "error") lines.set(line, finding.severity === "error" ? "error" : "warning");
      const go = element("button", "link", `line ${line + 1}`);
      go.type = "button";
      go.addEventListener("click", () => editor.goToLine(line));
      item.append(go, " ");
    }
    const where = finding.where ? `${finding.where}: ` : "";
    item.append(`${where}${finding.message}${finding.code ? ` (${finding.code})` : ""}`);
    list.append(item);
  }
  editor.markLines(lines);
}

function renderTrial(trial) {
  const results = $("tune-results");
  results.replaceChildren();
  const summary = element("p");
  summary.append(element("span", `badge ${trial.passed ? "pass" : "fail"}`, trial.passed ? "passed" : "not passed"), " ");
  summary.append(`Draft: ${trial.definitions.map((d) => d.name).join(", ")}.`);
  results.append(summary);
  if (trial.import_notes.length) {
    results.append(element("h4", "", "Import notes"));
    const notes = element("ul", "notes");
    for (const note of trial.import_notes) notes.append(element("li", "", note));
    results.append(notes);
  }
  if (trial.examples.length) results.append(examplesTable(trial.examples));
  for (const sample of trial.samples) results.append(sampleOutcome(sample));
}

function examplesTable(examples) {
  const table = element("table", "examples");
  table.append(element("caption", "", "The draft's own examples"));
  const head = element("tr");
  for (const title of ["SIT", "Example", "Outcome", "Detail"]) {
    const cell = element("th", "", title);
    cell.scope = "col";
    head.append(cell);
  }
  table.append(element("thead"));
  table.tHead.append(head);
  const body = element("tbody");
  for (const example of examples) {
    const row = element("tr");
    row.append(
      element("td", "", example.sit.name),
      element("td", "", `${example.kind} ${example.index + 1}`),
      element("td", "", example.passed ? "as expected" : "FAILED"),
      element("td", "", example.detail),
    );
    body.append(row);
  }
  table.append(body);
  return table;
}

function sampleOutcome(sample) {
  const box = element("section", "sample");
  box.dataset.sample = sample.name;
  const heading = element("h4", "", sample.name);
  box.append(heading);
  if (sample.error) {
    box.append(element("p", "error", sample.error));
    return box;
  }
  const results = sample.results || [];
  if (results.length === 0) box.append(element("p", "", "No match."));
  results.forEach((result, sitIndex) => {
    for (const match of result.matches) {
      const found = element("div", "found");
      found.dataset.sit = result.sit.name;
      found.append(
        element("p", "", `Match: ${result.sit.name}, confidence ${match.confidence}, pattern “${match.pattern}”, value ${match.value}`),
        renderSummary(match.summary, { ...match, sitIndex, sitName: result.sit.name }),
      );
      box.append(found);
    }
  });
  const rejections = sample.not_matched || [];
  if (rejections.length) {
    box.append(element("h5", "", "Why not"));
    for (const rejection of rejections) box.append(whyNot(rejection));
    if (sample.not_matched_truncated) box.append(element("p", "help", "More candidates were rejected than are listed."));
  }
  return box;
}

/** One rejected candidate: which check or validator failed, or what each pattern missed and by how far. */
function whyNot(rejection) {
  const box = element("div", "why");
  box.dataset.stage = rejection.stage;
  box.append(element("p", "", `${rejection.value} (${rejection.element}, at ${rejection.start}): ${rejection.reason}`));
  const details = element("dl");
  const add = (term, value) => details.append(element("dt", "", term), element("dd", "", value));
  add("Stage", rejection.stage);
  if (rejection.validator) add("Validator", rejection.validator);
  if (rejection.threshold !== undefined) add("Confidence", `${rejection.confidence}, below ${rejection.threshold}`);
  for (const pattern of rejection.patterns || []) {
    add(`Pattern “${pattern.pattern}” (${pattern.confidence})`, pattern.missing.map(describeMiss).join("; ") || "—");
  }
  box.append(details);
  return box;
}

function describeMiss(miss) {
  switch (miss.kind) {
    case "too_far":
      return `${miss.element}: nearest is ${miss.distance} characters away, the window is ${miss.proximity}`;
    case "absent":
      return `${miss.element}: not found`;
    case "excluded":
      return `${miss.element}: found, and it excludes the match`;
    case "too_many":
      return `${miss.element}: found too many times`;
    default:
      return `${miss.element}: ${miss.kind}`;
  }
}

async function download(format) {
  clearError($("tune-error"));
  const notes = $("convert-notes");
  notes.replaceChildren();
  if (!editor.value.trim()) {
    showError($("tune-error"), new Error("There is no draft to download."));
    return;
  }
  try {
    const answer = await callApi("POST", "sits/convert", { definition: editor.value, to: format });
    for (const note of answer.notes) notes.append(element("li", "", note));
    const type = format === "yaml" ? "application/yaml" : "application/xml";
    const url = URL.createObjectURL(new Blob([answer.text], { type }));
    const link = element("a");
    link.href = url;
    link.download = `${fileStem(answer.definitions)}.${format === "yaml" ? "yaml" : "xml"}`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $("tune-status").textContent = `Downloaded ${link.download}.`;
  } catch (error) {
    showError($("tune-error"), error);
  }
}

function fileStem(definitions) {
  const name = definitions.length === 1 ? definitions[0].name : "definitions";
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "draft";
}
