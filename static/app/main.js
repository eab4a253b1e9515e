/**
 * Entry point of the dashboard page: the lobby (pick or create a session, name, join or watch),
 * then the live view. See docs/dashboard.md.
 */
import { Dashboard } from "./dashboard.js";
import { el, setChildren } from "./dom.js";
import { isValidId, newSessionId, participantIdFor } from "./ids.js";
import { LocalParticipant } from "./local_participant.js";
import { StatusRow } from "./status_row.js";

/** Errors shown at the top of the live view. */
const MAX_SHOWN_ERRORS = 6;

const $ = (id) => document.getElementById(id);
const origin = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
const status = new StatusRow($("status-row"));
/** @type {Dashboard | undefined} */
let dashboard;
/** @type {LocalParticipant | undefined} */
let local;
/** @type {Promise<object | undefined>} */
let health;

async function getJson(path) {
  const res = await fetch(path, { cache: "no-store" });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return await res.json();
}

/** Shows /v1/health; returns it, or undefined when the server cannot be reached. */
async function showHealth() {
  const chip = $("server-status");
  try {
    const h = await getJson("/v1/health");
    const models = h.modalities?.length
      ? `emotion models: ${h.modalities.join(", ")}`
      : "no emotion model loaded: speech is segmented but not labelled";
    chip.textContent = `server ok · ${models}`;
    chip.dataset.level = h.modalities?.length ? "ok" : "warn";
    chip.title = Object.entries(h.unavailable ?? {}).map(([m, why]) => `${m}: ${why}`).join("\n");
    return h;
  } catch (err) {
    chip.textContent = `server unreachable (${err.message})`;
    chip.dataset.level = "err";
    return undefined;
  }
}

async function loadSessions(preselect) {
  const list = $("session-list");
  try {
    const { sessions } = await getJson("/v1/sessions");
    setChildren(
      list,
      sessions.length === 0 ? el("p", { class: "muted" }, "No sessions on the server yet.") : null,
      sessions.map((s) => {
        const active = s.participants.filter((p) => p.active);
        const who = active.map((p) => p.name || p.id).join(", ");
        return el(
          "label",
          { class: "session-choice" },
          el("input", { type: "radio", name: "session", value: s.id, checked: s.id === preselect }),
          el("strong", {}, s.id),
          el("span", { class: "muted" }, active.length ? `${active.length} streaming: ${who}` : "nobody streaming"),
        );
      }),
    );
  } catch (err) {
    setChildren(list, el("p", { class: "error-text" }, `cannot list sessions: ${err.message}`));
  }
  if (preselect && !list.querySelector(`input[value="${CSS.escape(preselect)}"]`)) {
    $("new-session").value = preselect;
    $("new-session-radio").checked = true;
  }
}

function chosenSession() {
  const checked = document.querySelector('input[name="session"]:checked');
  return checked && checked.value ? checked.value : $("new-session").value.trim();
}

function showError(e, source) {
  const list = $("errors");
  const text = `${e.message}${e.recoverable === false ? " (the connection was closed)" : ""}`;
  list.prepend(
    el("li", { class: e.recoverable === false ? "err" : "warn" }, `${source}: `, el("code", {}, e.code), " ", text),
  );
  while (list.children.length > MAX_SHOWN_ERRORS) list.lastChild.remove();
}

async function enter(mode) {
  const sessionId = chosenSession();
  const name = $("name").value.trim();
  const lobbyError = $("lobby-error");
  if (!isValidId(sessionId)) {
    lobbyError.textContent = "A session id is 1–64 letters, digits, '.', '_' or '-'.";
    return;
  }
  if (mode === "join" && !name) {
    lobbyError.textContent = "Type your name to join.";
    $("name").focus();
    return;
  }
  lobbyError.textContent = "";
  history.replaceState(null, "", `/?session=${encodeURIComponent(sessionId)}`);
  $("lobby").hidden = true;
  $("live").hidden = false;
  $("session-id").textContent = sessionId;
  $("share-link").href = `/?session=${encodeURIComponent(sessionId)}`;
  const participantId = mode === "join" ? participantIdFor(name) : undefined;

  const modalities = (await health)?.modalities;
  dashboard = new Dashboard({
    origin,
    modalities,
    sessionId,
    grid: $("grid"),
    localId: participantId,
    localNow: () => local?.mediaNow() ?? null,
    onConnection: ({ state, detail }) => status.set("events", state, detail),
    onSessionError: (e) => showError(e, "session"),
  });
  dashboard.start();
  if (mode !== "join") return;

  $("me").textContent = `${name} (${participantId})`;
  $("me-wrap").hidden = false;
  $("local-panel").hidden = false;
  $("leave").hidden = false;
  const meter = $("mic-level");
  local = new LocalParticipant({
    origin,
    sessionId,
    participantId,
    name,
    preview: $("preview"),
    onStatus: (key, state, detail) => status.set(key, state, detail),
    onServerError: (e) => showError(e, "server"),
    onLevel: (rms) => (meter.value = Math.min(1, Math.sqrt(rms) * 1.5)),
    onDevices: ({ audio, video }) => {
      $("preview").hidden = !video;
      $("mic-level-wrap").hidden = !audio;
    },
    onInterim: (text) => ($("interim").textContent = text ? `hearing: ${text}` : ""),
  });
  await local.start();
}

function setup() {
  const params = new URLSearchParams(location.search);
  const preselect = params.get("session") ?? undefined;
  $("new-session").value = newSessionId();
  $("new-session").addEventListener("focus", () => ($("new-session-radio").checked = true));
  $("refresh-sessions").addEventListener("click", () => loadSessions(chosenSession()));
  $("join-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const mode = ev.submitter?.value === "watch" ? "watch" : "join";
    enter(mode).catch((err) => {
      console.error(err);
      showError({ code: "client", message: err.message, recoverable: true }, "page");
    });
  });
  $("typed-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("typed");
    if (local?.sendTypedLine(input.value)) input.value = "";
    else showError({ code: "not_streaming", message: "the stream is not connected yet", recoverable: true }, "page");
  });
  $("leave").addEventListener("click", async () => {
    $("leave").hidden = true;
    await local?.leave();
  });
  addEventListener("pagehide", () => {
    local?.leave();
    dashboard?.stop();
  });
  health = showHealth();
  loadSessions(preselect);
}

/** The page's own state, for the status line, debugging and the browser test. */
globalThis.affectstream = {
  status: () => ({
    states: { ...status.states },
    local: local?.stats() ?? null,
    dashboard: dashboard?.snapshot() ?? null,
  }),
};

setup();
