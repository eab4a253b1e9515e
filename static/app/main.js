/**
 * Entry point of the dashboard page: credentials (the one-time login URL, or an invite link),
 * the lobby (pick or create a session, name, join or watch), the consent step, then the live
 * view with its own stream, invite links, viewers and the timeline download. See docs/dashboard.md.
 */
import { Access, refusalText } from "./access.js";
import { api } from "./api.js";
import { retentionText } from "./consent_text.js";
import { CredentialStore, isUnexpired, takeJoinFragment, takeLoginToken } from "./credentials.js";
import { Dashboard } from "./dashboard.js";
import { el } from "./dom.js";
import { isValidId, newSessionId, participantIdFor } from "./ids.js";
import { loadSessionList } from "./lobby.js";
import { LocalParticipant } from "./local_participant.js";
import { ServerStatus } from "./server_status.js";
import { downloadTimeline, shareInvite } from "./session_actions.js";
import { StatusRow } from "./status_row.js";
import { ViewersPoller } from "./viewers_poller.js";

/** Errors shown at the top of the live view. */
const MAX_SHOWN_ERRORS = 6;
/** The page's screens; exactly one is shown. */
const SCREENS = ["booting", "login-needed", "lobby", "consent", "live"];

const $ = (id) => document.getElementById(id);
const origin = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
const store = new CredentialStore(sessionStorage);
const server = new ServerStatus($("server-status"));
const status = new StatusRow($("status-row"));
/** @type {Access | undefined} */
let access;
/** @type {Dashboard | undefined} */
let dashboard;
/** @type {LocalParticipant | undefined} */
let local;
/** @type {ViewersPoller | undefined} */
let viewers;
/** @type {Promise<object | undefined>} */
let health;
/** The call this page is in: session, and (when taking part) participant id, name and consent. */
const call = { sessionId: "", participantId: "", name: "", consent: false };

function show(screen) {
  for (const s of SCREENS) $(s).hidden = s !== screen;
}

function showError(e, source) {
  const list = $("errors");
  const text = `${e.message}${e.recoverable === false ? " (the connection was closed)" : ""}`;
  list.prepend(
    el("li", { class: e.recoverable === false ? "err" : "warn" }, `${source}: `, el("code", {}, e.code), " ", text),
  );
  while (list.children.length > MAX_SHOWN_ERRORS) list.lastChild.remove();
}

/** The login screen, with why when a login was tried and refused. */
function needLogin(why = "") {
  access = undefined;
  $("login-error").textContent = why;
  show("login-needed");
}

async function logIn(loginToken) {
  try {
    const admin = await api.login(loginToken);
    store.clear();
    store.saveAdmin(admin);
    return true;
  } catch (err) {
    needLogin(
      err.status === 401
        ? "This login address was already used or is not valid: each one works once. Restart the server for a new one."
        : `Login failed: ${refusalText(err)}`,
    );
    return false;
  }
}

function loadSessions(preselect) {
  return loadSessionList(access, $("session-list"), preselect, {
    onExpired: () => needLogin("Your login has expired. Open a new login address."),
    onMissing: (id) => {
      $("new-session").value = id;
      $("new-session-radio").checked = true;
    },
  });
}

function showLobby() {
  const guest = !access.isAdmin;
  $("session-picker").hidden = guest;
  $("invited").hidden = !guest;
  if (guest) {
    $("invited").textContent = `You are invited to session “${access.invitedSession}”. ` +
      "Type your name, then join with camera and microphone, or only watch.";
  } else {
    loadSessions(new URLSearchParams(location.search).get("session") ?? undefined);
  }
  show("lobby");
}

function chosenSession() {
  if (!access.isAdmin) return access.invitedSession;
  const checked = document.querySelector('input[name="session"]:checked');
  return checked && checked.value ? checked.value : $("new-session").value.trim();
}

/**
 * The consent step: what is computed, who sees it (the viewers, polled), how long it is kept.
 * Resolves true on Agree, false on Decline; nothing is started before.
 */
async function askConsent(sessionId) {
  $("consent-session").textContent = sessionId;
  $("consent-retention").textContent = retentionText(server.health ?? await health);
  const poller = new ViewersPoller(access, sessionId, [$("consent-viewers")]).start();
  const back = SCREENS.find((s) => !$(s).hidden);
  show("consent");
  $("consent-agree").focus();
  try {
    return await new Promise((resolve) => {
      $("consent-agree").onclick = () => resolve(true);
      $("consent-decline").onclick = () => resolve(false);
    });
  } finally {
    poller.stop();
    show(back === "consent" ? "lobby" : back);
  }
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
  access.name = name || undefined;
  try {
    await access.ensureSession(sessionId);
  } catch (err) {
    if (err.status === 401) return needLogin("Your login has expired. Open a new login address.");
    lobbyError.textContent = `Cannot open session ${sessionId}: ${refusalText(err)}`;
    return;
  }
  if (mode === "join") {
    if (!(await askConsent(sessionId))) {
      lobbyError.textContent = "You declined: nothing was started. You can still watch without taking part.";
      return;
    }
    call.consent = true;
  }
  call.sessionId = sessionId;
  call.name = name;
  call.participantId = mode === "join" ? (access.isAdmin ? participantIdFor(name) : access.invitedParticipant) : "";
  await goLive(mode);
}

async function goLive(mode) {
  const { sessionId, participantId } = call;
  history.replaceState(null, "", `/?session=${encodeURIComponent(sessionId)}`);
  show("live");
  $("session-id").textContent = sessionId;
  $("invite").hidden = !access.isAdmin;
  const modalities = (await health)?.modalities;
  dashboard = new Dashboard({
    origin,
    modalities,
    sessionId,
    grid: $("grid"),
    localId: participantId || undefined,
    localNow: () => local?.mediaNow() ?? null,
    onConnection: ({ state, detail }) => {
      status.set("events", state, detail);
      server.noteEvents(state);
    },
    onSessionError: (e) => showError(e, "session"),
    token: (fresh) => access.viewToken(sessionId, fresh),
    serverLastSeq: access.isAdmin ? () => lastSeqOnServer(sessionId) : undefined,
    probe: () => access.probe(sessionId),
  });
  dashboard.start();
  viewers = new ViewersPoller(access, sessionId, [$("viewers")]).start();
  if (mode !== "join") return;
  $("me").textContent = `${call.name} (${participantId})`;
  $("me-wrap").hidden = false;
  await startLocal();
}

async function lastSeqOnServer(sessionId) {
  const s = (await access.sessions()).find((x) => x.id === sessionId);
  if (!s) return -1;
  return typeof s.lastSeq === "number" ? s.lastSeq : undefined;
}

/** Starts this browser's stream (after consent). */
async function startLocal() {
  const { sessionId, participantId, name } = call;
  $("local-panel").hidden = false;
  $("leave").hidden = false;
  $("withdraw").hidden = false;
  $("rejoin").hidden = true;
  $("live-note").textContent = "";
  const meter = $("mic-level");
  local = new LocalParticipant({
    origin,
    sessionId,
    participantId,
    name,
    consent: call.consent,
    token: (fresh) => access.ingestToken(sessionId, participantId, fresh),
    probe: () => access.probe(sessionId),
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

/** After Leave or a withdrawal: still watching, devices off, Rejoin offered. */
function stoppedStreaming(note) {
  $("leave").hidden = true;
  $("withdraw").hidden = true;
  $("rejoin").hidden = false;
  $("local-panel").hidden = true;
  $("live-note").textContent = note;
  $("rejoin").focus();
}

function invite() {
  $("invite-panel").hidden = false;
  return shareInvite(access, call.sessionId, { input: $("invite-url"), note: $("invite-note") });
}

async function download(format) {
  try {
    await downloadTimeline(access, call.sessionId, format);
  } catch (err) {
    showError({ code: err.code ?? "export_failed", message: refusalText(err), recoverable: true }, "download");
  }
}

function wire() {
  $("new-session").value = newSessionId();
  $("new-session").addEventListener("focus", () => ($("new-session-radio").checked = true));
  $("refresh-sessions").addEventListener("click", () => loadSessions(chosenSession()));
  $("join-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const mode = ev.submitter?.value === "watch" ? "watch" : "join";
    enter(mode).catch((err) => {
      console.error(err);
      $("lobby-error").textContent = err.message;
    });
  });
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("login-paste").value.trim();
    let token = text;
    try {
      token = takeLoginToken(text).loginToken ?? text;
    } catch { /* not a URL: the token itself */ }
    if (token && await logIn(token)) start();
  });
  $("typed-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("typed");
    if (local?.sendTypedLine(input.value)) input.value = "";
    else showError({ code: "not_streaming", message: "the stream is not connected yet", recoverable: true }, "page");
  });
  $("leave").addEventListener("click", async () => {
    stoppedStreaming("You left: you are still watching. Rejoin to stream again.");
    await local?.leave();
  });
  $("withdraw").addEventListener("click", async () => {
    call.consent = false;
    stoppedStreaming("Consent withdrawn: the server stopped analysing you and nothing more of yours is sent.");
    await local?.withdrawConsent();
  });
  $("rejoin").addEventListener("click", async () => {
    if (!call.consent) {
      if (!(await askConsent(call.sessionId))) return;
      call.consent = true;
    }
    await startLocal();
  });
  $("invite").addEventListener("click", invite);
  for (const b of [$("download-jsonl"), $("download-csv")]) {
    b.addEventListener("click", () => download(b.dataset.format));
  }
  addEventListener("pagehide", () => {
    local?.leave();
    dashboard?.stop();
  });
}

/** Chooses who this page is from its stored credentials, then shows the lobby or the login screen. */
function start() {
  const admin = store.admin();
  const guest = store.guest();
  if (admin) access = new Access({ role: "admin", token: admin.token });
  else if (guest) access = new Access({ role: "guest", grant: guest });
  if (!access) return needLogin($("login-error").textContent);
  showLobby();
}

async function boot() {
  wire();
  health = server.start();
  // Tokens leave the address bar before anything else happens (history, screenshots, sharing).
  const login = takeLoginToken(location.href);
  if (login.loginToken) history.replaceState(null, "", login.cleanHref);
  const join = takeJoinFragment(location.href);
  if (join.grant || join.malformed) history.replaceState(null, "", join.cleanHref);
  if (join.grant && !isUnexpired(join.grant.expiresAt, Date.now(), 0)) {
    $("login-error").textContent = "This invite link has expired: ask its sender for a new one.";
  } else if (join.grant) {
    // An invite opened in a tab makes it a guest's tab, even one that held an operator login.
    store.clear();
    store.saveGuest(join.grant);
  } else if (join.malformed) {
    $("login-error").textContent = "This invite link is damaged: ask its sender for a new one.";
  }
  if (login.loginToken && !(await logIn(login.loginToken))) return;
  start();
}

/** The page's own state, for the status line, debugging and the browser test. */
globalThis.affectstream = {
  status: () => ({
    role: access?.role ?? null,
    server: { up: server.up ?? null },
    consent: call.consent,
    viewers: viewers?.viewers ?? [],
    states: { ...status.states },
    local: local?.stats() ?? null,
    dashboard: dashboard?.snapshot() ?? null,
  }),
};

boot();
