// The workbench page: the API key field, the two views and their tabs (arrow keys move between them).

import { apiKey, setApiKey } from "./api.js";
import { initClassify } from "./classify.js";
import { initTune, loadSitList, sitsLoaded } from "./tune.js";

const $ = (id) => document.getElementById(id);
const TABS = [
  ["tab-classify", "view-classify"],
  ["tab-tune", "view-tune"],
];

function selectTab(tabId, focus) {
  for (const [id, view] of TABS) {
    const selected = id === tabId;
    const tab = $(id);
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(view).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  if (tabId === "tab-tune" && !sitsLoaded()) loadSitList();
}

function initTabs() {
  TABS.forEach(([id], index) => {
    const tab = $(id);
    tab.addEventListener("click", () => selectTab(id, false));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (event.key === "Home" || event.key === "End" || step) {
        event.preventDefault();
        const next = event.key === "Home" ? 0 : event.key === "End" ? TABS.length - 1 : (index + step + TABS.length) % TABS.length;
        selectTab(TABS[next][0], true);
      }
    });
  });
}

function initKey() {
  const field = $("api-key");
  field.value = apiKey();
  field.addEventListener("change", () => {
    setApiKey(field.value.trim());
    if (!$("view-tune").hidden) loadSitList();
  });
  $("api-key-forget").addEventListener("click", () => {
    field.value = "";
    setApiKey("");
  });
}

initKey();
initTabs();
initClassify();
initTune();
