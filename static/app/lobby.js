/**
 * The operator's list of sessions in the lobby (GET /v1/sessions with the admin token), each
 * with who is streaming, as radio choices.
 */
import { refusalText } from "./access.js";
import { el, setChildren } from "./dom.js";

/**
 * Fills `list` with the server's sessions; `preselect` is checked when listed, else handed to
 * onMissing (to become the "new session" id).
 * @param {import("./access.js").Access} access
 * @param {HTMLElement} list
 * @param {string | undefined} preselect
 * @param {{onExpired: () => void, onMissing: (id: string) => void}} on
 */
export async function loadSessionList(access, list, preselect, on) {
  try {
    const sessions = await access.sessions();
    setChildren(
      list,
      sessions.length === 0 ? el("p", { class: "muted" }, "No sessions on the server yet.") : null,
      sessions.map((s) => {
        const active = (s.participants ?? []).filter((p) => p.active);
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
    if (err.status === 401) return on.onExpired();
    setChildren(list, el("p", { class: "error-text" }, `cannot list sessions: ${refusalText(err)}`));
  }
  if (preselect && !list.querySelector(`input[value="${CSS.escape(preselect)}"]`)) on.onMissing(preselect);
}
