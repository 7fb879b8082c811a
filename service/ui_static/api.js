// The page's only way to the service: the public API, with the key typed into the page.
// The key lives in sessionStorage, so it is gone when the tab is closed and never shared between tabs.

const KEY_STORAGE = "dlp-workbench-api-key";
const API_ROOT = new URL("../v1/", document.baseURI);  // the page is served at <service>/ui/

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

export function setApiKey(value) {
  if (value) sessionStorage.setItem(KEY_STORAGE, value);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** An answer of the API that is not a success, with its problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || `The service answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls `path` (relative to /v1/) with a JSON body, a FormData body or none; answers the parsed JSON. */
export async function callApi(method, path, body) {
  const headers = { Accept: "application/json, application/problem+json" };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(new URL(path, API_ROOT), { method, headers, body: payload, credentials: "omit" });
  } catch (error) {
    throw new ApiError(0, { detail: `The service could not be reached (${error.message}).` });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : { detail: await response.text() };
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Shows an error (with a problem's field errors) in `box`, a role=alert element. */
export function showError(box, error) {
  box.replaceChildren();
  const message = document.createElement("p");
  let text = error.message;
  if (error.status === 401) text += " Enter an API key at the top of the page.";
  message.textContent = text;
  box.append(message);
  const errors = error.problem && Array.isArray(error.problem.errors) ? error.problem.errors : [];
  if (errors.length) {
    const list = document.createElement("ul");
    for (const item of errors) {
      const entry = document.createElement("li");
      entry.textContent = item.field ? `${item.field}: ${item.message}` : item.message;
      list.append(entry);
    }
    box.append(list);
  }
  box.hidden = false;
}

export function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
}
