// Marks in text: matches coloured by SIT and shaded by confidence, evidence keywords, masked values.
// Offsets from the API are code points; JavaScript strings index UTF-16 units, so text is split
// into code points before it is cut.

export const PALETTE_SIZE = 8;

export function confidenceClass(confidence) {
  if (confidence >= 85) return "conf-high";
  if (confidence >= 75) return "conf-medium";
  return "conf-low";
}

export function sitClass(index) {
  return `sit-${index % PALETTE_SIZE}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function matchMark(match, text) {
  const mark = element("mark", `hl match ${sitClass(match.sitIndex)} ${confidenceClass(match.confidence)}`, text);
  mark.dataset.sit = match.sitName;
  mark.dataset.confidence = String(match.confidence);
  mark.title = `${match.sitName}, confidence ${match.confidence}`;
  return mark;
}

/**
 * A contextual summary as the API returns it: `summary.text` with its highlights
 * (match, keyword, masked), the match coloured as its SIT.
 */
export function renderSummary(summary, match) {
  const box = element("p", "summary");
  const points = Array.from(summary.text);
  const highlights = [...summary.highlights].sort((a, b) => a.start - b.start);
  let position = 0;
  for (const highlight of highlights) {
    if (highlight.start < position) continue;  // overlapping marks: the first one wins
    box.append(points.slice(position, highlight.start).join(""));
    const text = points.slice(highlight.start, highlight.end).join("");
    if (highlight.kind === "match") box.append(matchMark(match, text));
    else box.append(element("mark", `hl ${highlight.kind === "keyword" ? "keyword" : "masked"}`, text));
    position = highlight.end;
  }
  box.append(points.slice(position).join(""));
  return box;
}

/**
 * The whole text of a part with its matches in place. Overlapping matches (two SITs on one
 * card number) are one mark, coloured as the most confident. Unless `reveal`, a match shows
 * the masked value the API returned, and evidence shows the API's text for it, which is
 * masked whenever that evidence could itself be a secret.
 */
export function renderDocument(container, text, matches, reveal) {
  container.replaceChildren();
  const points = Array.from(text);
  const clusters = [];
  for (const match of [...matches].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = clusters[clusters.length - 1];
    if (last && match.start < last.end) {
      last.end = Math.max(last.end, match.end);
      if (match.confidence > last.best.confidence) last.best = match;
      last.members.push(match);
    } else {
      clusters.push({ start: match.start, end: match.end, best: match, members: [match] });
    }
  }
  const inCluster = (start, end) => clusters.some((c) => start < c.end && end > c.start);
  const keywords = [];
  const seen = new Set();
  for (const match of matches) {
    for (const evidence of match.evidence) {
      const key = `${evidence.start}:${evidence.end}`;
      if (seen.has(key) || inCluster(evidence.start, evidence.end)) continue;
      seen.add(key);
      keywords.push({ start: evidence.start, end: evidence.end, text: evidence.text, keyword: true });
    }
  }
  const spans = [...clusters, ...keywords].sort((a, b) => a.start - b.start);
  let position = 0;
  for (const span of spans) {
    if (span.start < position) continue;
    container.append(points.slice(position, span.start).join(""));
    if (span.keyword) {
      container.append(element("mark", "hl keyword", span.text));
    } else {
      const shown = reveal ? points.slice(span.start, span.end).join("") : span.best.value;
      const mark = matchMark(span.best, shown);
      if (span.members.length > 1) {
        mark.title = span.members.map((m) => `${m.sitName}, confidence ${m.confidence}`).join("; ");
      }
      container.append(mark);
    }
    position = span.end;
  }
  container.append(points.slice(position).join(""));
}

export { element };
