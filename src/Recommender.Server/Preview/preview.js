// The editors' preview page. It calls the service's JSON routes (gRPC JSON transcoding):
// POST /v1/related, /v1/related:preview, /v1/articles:search, /v1/rules; GET /v1/articles/{id},
// /v1/rules; DELETE /v1/rules/{id}. Article fields are always set as text, never as HTML.
// /preview?id=ID&namespace=NS opens with that article's list; the site is remembered in this
// browser, the API key in this tab (or in this browser when the editor asks).
"use strict";

const $ = (id) => document.getElementById(id);

// What the list on screen was made for: { kind: "article", id, label }, { kind: "draft", label }
// or { kind: "history", like, unlike, strategy, label }.
let current = null;

const stored = { namespace: "recommender.namespace", key: "recommender.apiKey" };

function namespace() {
  return $("namespace").value.trim();
}

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) {
    headers.Authorization = "Bearer " + key;
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    throw new Error(data.message || `${response.status} ${response.statusText}`);
  }
  return data;
}

function withNamespace(path) {
  const ns = namespace();
  return ns ? `${path}${path.includes("?") ? "&" : "?"}namespace=${encodeURIComponent(ns)}` : path;
}

function options() {
  const result = { limit: Number($("limit").value) || 0, explain: $("explain").checked };
  const sections = $("sections").value.split(",").map((s) => s.trim()).filter((s) => s);
  if (sections.length) {
    result.includeSections = sections;
  }
  const days = $("half-life-days").value.trim();
  if (days !== "") {
    result.freshnessHalfLife = `${Math.round(Number(days) * 86400)}s`;
  }
  const diversity = $("diversity").value.trim();
  if (diversity !== "") {
    result.diversity = Number(diversity);
  }
  return result;
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").classList.toggle("error", Boolean(isError));
}

/** The options as an editor reads them, for the label of a kept list. */
function describeOptions() {
  const o = options();
  return [
    `${o.limit || 5} suggestions`,
    o.includeSections ? `sections ${o.includeSections.join(", ")}` : "all sections",
    o.freshnessHalfLife ? `half-life ${$("half-life-days").value} days` : "default freshness",
    o.diversity !== undefined ? `diversity ${o.diversity}` : "default diversity",
  ].join(" · ");
}

/** The address of what is on screen, to share or bookmark: /preview?id=…&namespace=…. */
function linkToCurrent() {
  const params = new URLSearchParams();
  if (current && current.kind === "article") {
    params.set("id", current.id);
  }
  if (namespace()) {
    params.set("namespace", namespace());
  }
  const query = params.toString();
  return "/preview" + (query ? "?" + query : "");
}

async function refresh() {
  if (!current) {
    return;
  }
  try {
    const response = current.kind === "article"
      ? await call("POST", "/v1/related", { id: current.id, namespace: namespace(), options: options() })
      : current.kind === "history"
      ? await call("POST", "/v1/related", {
          like: current.like.map((id) => ({ id })), unlike: current.unlike, strategy: current.strategy, namespace: namespace(), options: options(),
        })
      : await call("POST", "/v1/related:preview", {
          title: $("draft-title").value, body: $("draft-body").value, section: $("draft-section").value.trim(),
          namespace: namespace(), options: options(),
        });
    render(response);
  } catch (error) {
    $("reader-view").hidden = true;
    setStatus(error.message, true);
  }
}

function render(response) {
  const items = response.items || [];
  const what = current.kind === "article" ? `article ${current.id}` : current.kind === "history" ? "the reading history" : "the draft";
  $("source-headline").textContent = current.label;
  $("deep-link").href = linkToCurrent();
  $("deep-link").hidden = current.kind !== "article"; // a draft is not stored: nothing to link to
  history.replaceState(null, "", linkToCurrent());
  setStatus(`${items.length} suggestion(s) for ${what} · model ${response.modelVersion}` +
    (response.stale ? " · STALE: the store is unreachable" : "") +
    ((response.unknownIds || []).length ? ` · not stored, left out: ${response.unknownIds.join(", ")}` : "") +
    ` · recommendation ${response.recommendationId}`);
  const list = $("items");
  list.replaceChildren(...items.map((item, i) => renderItem(item, i + 1)));
  $("reader-view").hidden = false;
  $("pin-form").hidden = current.kind !== "article";
}

function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

// Bidi controls and zero-width characters: shown to editors, since they can make a headline read as another.
const HIDDEN = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

function hiddenCharacters(text) {
  return [...new Set((text || "").match(HIDDEN) || [])].map((c) => "U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0"));
}

function renderItem(item, position) {
  const li = el("li", "item");
  li.dataset.id = item.id;
  const headline = el("a", "headline", item.title);
  headline.dir = "auto";
  const href = safeUrl(item.url || "");
  if (href) {
    headline.href = href;
    headline.target = "_blank";
    headline.rel = "noopener";
  }
  li.append(headline);
  const hidden = hiddenCharacters(item.title);
  if (hidden.length > 0) {
    li.append(el("div", "hidden-characters", `The headline holds invisible characters (${hidden.join(", ")}) that can change how it reads.`));
  }
  const date = item.published ? item.published.slice(0, 10) : "undated";
  li.append(el("div", "meta", `${item.section || "no section"} · ${date} · ${item.id}`));
  if ((item.basedOn || []).length) {
    li.append(el("div", "based-on", `because of ${item.basedOn.join(", ")}`));
  }
  if (item.why) {
    li.append(renderWhy(item.why, item.score));
  }
  const actions = el("div", "actions");
  if (current.kind === "article") {
    actions.append(button("Pin here", "pin", () => addRule({ action: "RULE_ACTION_PIN", articleId: item.id, inListOf: current.id, position })));
    actions.append(button("Block from this list", "block-here", () => addRule({ action: "RULE_ACTION_BLOCK", articleId: item.id, inListOf: current.id })));
  }
  actions.append(button("Block everywhere", "block-everywhere", () => addRule({ action: "RULE_ACTION_BLOCK", articleId: item.id })));
  li.append(actions);
  return li;
}

function renderWhy(why, score) {
  const box = el("div", "why");
  const fmt = (x) => Number(x || 0).toFixed(3);
  const parts = [`score ${fmt(score)}`, `similarity ${fmt(why.similarity)}`, `freshness ×${fmt(why.freshness)}`];
  if (Number(why.languageFactor) !== 1) {
    parts.push(`language ×${fmt(why.languageFactor)}`);
  }
  if (why.diversityPenalty) {
    parts.push(`diversity −${fmt(why.diversityPenalty)}`);
  }
  box.append(el("span", "factors", parts.join(" · ")));
  if (why.editorialRule) {
    box.append(el("div", "rule", why.editorialRule));
  }
  const terms = why.terms || [];
  if (terms.length) {
    const shared = el("div", "terms", "Shares: ");
    shared.append(...terms.map((t) => el("span", "term", t.term)));
    box.append(shared);
  }
  return box;
}

function button(label, className, onClick) {
  const b = el("button", className, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

async function addRule(rule) {
  try {
    const added = await call("POST", withNamespace("/v1/rules"), rule);
    setStatus(`Added rule ${added.id}.`);
    await Promise.all([refresh(), loadRules()]);
  } catch (error) {
    setStatus(`Could not add the rule: ${error.message}`, true);
  }
}

function describeRule(rule) {
  const subject = rule.articleId ? `article ${rule.articleId}` : rule.section ? `section '${rule.section}'` : `tag '${rule.tag}'`;
  const scope = rule.inListOf ? `in the list of ${rule.inListOf}`
    : rule.underSection ? `under section '${rule.underSection}'`
    : rule.underTag ? `under tag '${rule.underTag}'` : "everywhere";
  const action = rule.action === "RULE_ACTION_PIN" ? `pin ${subject} at position ${rule.position}` : `block ${subject}`;
  return `${rule.id}: ${action} ${scope}${rule.until ? ` until ${rule.until}` : ""}`;
}

async function loadRules() {
  try {
    const response = await call("GET", withNamespace("/v1/rules"));
    const rows = (response.rules || []).map((rule) => {
      const tr = el("tr");
      tr.dataset.id = rule.id;
      tr.append(el("td", "", describeRule(rule)), el("td", "", rule.note || ""));
      const cell = el("td");
      cell.append(button("Remove", "remove-rule", async () => {
        try {
          await call("DELETE", withNamespace(`/v1/rules/${encodeURIComponent(rule.id)}`));
          await Promise.all([refresh(), loadRules()]);
        } catch (error) {
          setStatus(`Could not remove the rule: ${error.message}`, true);
        }
      }));
      tr.append(cell);
      return tr;
    });
    $("rules").tBodies[0].replaceChildren(...rows);
  } catch (error) {
    setStatus(`Could not list the rules: ${error.message}`, true);
  }
}

let searchTimer;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const query = $("search").value.trim();
    if (!query) {
      $("search-results").replaceChildren();
      return;
    }
    try {
      const response = await call("POST", "/v1/articles:search", { query, limit: 10, namespace: namespace() });
      $("search-results").replaceChildren(...(response.articles || []).map((a) => {
        const li = el("li");
        const pick = button("", "search-result", () => {
          $("article-id").value = a.id;
          // Picked articles also gather into the reading history, most recent first.
          const history = $("history-ids").value.split(/\s+/).filter((s) => s && s !== a.id);
          $("history-ids").value = [a.id, ...history].join("\n");
          showArticle(a.id);
        });
        // The headline in a <bdi> of its own: a bidi control in it cannot reorder the section beside it.
        pick.append(el("bdi", null, a.title), ` (${a.section || "no section"})`);
        li.append(pick);
        return li;
      }));
    } catch (error) {
      setStatus(error.message, true);
    }
  }, 250);
});

/** Shows a stored article's list, under its headline (read from the service). */
async function showArticle(id) {
  current = { kind: "article", id, label: `Suggestions for article ${id}` };
  try {
    const found = await call("GET", withNamespace(`/v1/articles/${encodeURIComponent(id)}`));
    const article = found.article || {};
    const facts = [article.section, article.published ? article.published.slice(0, 10) : "", id].filter((f) => f);
    if (current.id === id) {
      current.label = `Suggestions for: ${article.title} (${facts.join(" · ")})`;
    }
  } catch (error) {
    // An unknown id: the list's own error says so.
  }
  await refresh();
}

/** Keeps the list on screen beside the next one: another article, a draft, other options. */
function keepForComparison() {
  $("kept-source").textContent = current.label;
  $("kept-options").textContent = describeOptions();
  $("kept-items").replaceChildren(...[...$("items").children].map((li) => {
    const copy = li.cloneNode(true);
    copy.querySelector(".actions")?.remove();
    return copy;
  }));
  $("kept").hidden = false;
}

$("article-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = $("article-id").value.trim();
  if (id) {
    showArticle(id);
  }
});

$("draft-form").addEventListener("submit", (event) => {
  event.preventDefault();
  current = { kind: "draft", label: `Suggestions for the draft: ${$("draft-title").value.trim() || "(no headline)"}` };
  refresh();
});

$("history-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const split = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s);
  const like = split($("history-ids").value);
  if (like.length === 0) {
    setStatus("List at least one article id.", true);
    return;
  }
  current = {
    kind: "history", like, unlike: split($("history-unlike").value), strategy: $("history-strategy").value,
    label: `Suggestions for a reading history of ${like.length} article(s): ${like.join(", ")}`,
  };
  refresh();
});

$("pin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const rule = { action: "RULE_ACTION_PIN", articleId: $("pin-id").value.trim(), inListOf: current.id, position: Number($("pin-position").value) };
  const until = $("pin-until").value;
  if (until) {
    rule.until = new Date(until).toISOString();
  }
  addRule(rule);
});

let optionsTimer;
for (const id of ["limit", "sections", "half-life-days", "diversity", "explain"]) {
  $(id).addEventListener("input", () => {
    clearTimeout(optionsTimer);
    optionsTimer = setTimeout(refresh, 200);
  });
}
$("refresh-rules").addEventListener("click", loadRules);
$("keep").addEventListener("click", keepForComparison);
$("clear-kept").addEventListener("click", () => {
  $("kept").hidden = true;
  $("kept-items").replaceChildren();
});

// The site and key: remembered, the site in this browser, the key in this tab unless asked.
function rememberSettings() {
  localStorage.setItem(stored.namespace, namespace());
  const key = $("api-key").value.trim();
  const remember = $("remember-key").checked;
  localStorage.removeItem(stored.key);
  sessionStorage.removeItem(stored.key);
  if (key) {
    (remember ? localStorage : sessionStorage).setItem(stored.key, key);
  }
}
$("settings").addEventListener("submit", (event) => event.preventDefault());
$("namespace").addEventListener("change", () => {
  rememberSettings();
  loadRules();
  refresh();
});
$("api-key").addEventListener("change", rememberSettings);
$("remember-key").addEventListener("change", rememberSettings);

const linked = new URLSearchParams(location.search);
$("namespace").value = linked.get("namespace") ?? localStorage.getItem(stored.namespace) ?? "";
if (linked.has("namespace")) {
  localStorage.setItem(stored.namespace, namespace()); // the site a link opened is the one in use
}
$("remember-key").checked = localStorage.getItem(stored.key) !== null;
$("api-key").value = localStorage.getItem(stored.key) ?? sessionStorage.getItem(stored.key) ?? "";
loadRules();
if (linked.get("id")) {
  $("article-id").value = linked.get("id");
  showArticle(linked.get("id"));
}
