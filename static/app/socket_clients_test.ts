/**
 * The dashboard's socket clients (ingest_client.js, events_client.js) against the real server in
 * Deno, whose WebSocket is the browser's API: consent in hello, consent_required without it,
 * withdrawal mid-call, and a session the server does not know (4404) retried rather than final.
 */
import assert from "node:assert/strict";
import { startServer } from "../../lib/server.ts";
import { createSession, mintToken, withToken } from "../../lib/testing/auth.ts";
import { TestSocket } from "../../lib/testing/ws_client.ts";
import { EventsClient } from "./events_client.js";
import { IngestClient } from "./ingest_client.js";

type State = { state: string; detail: string };

/** Resolves when `states` has an entry matching `pred`, or rejects after `ms`. */
function until(states: State[], pred: (s: State) => boolean, ms = 10_000): Promise<State> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const hit = states.find(pred);
      if (hit) return resolve(hit);
      if (Date.now() - t0 > ms) return reject(new Error(`no such state in ${JSON.stringify(states)}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

Deno.test(
  "IngestClient streams with consent in hello, is refused without it, and withdraws consent mid-call",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await startServer({ port: 0, engine: { modelsDir: "/nonexistent-models" } });
    const origin = `ws://127.0.0.1:${server.port}`;
    const sessionId = "clients";
    try {
      await createSession(server, sessionId);
      const events = new TestSocket(withToken(`${origin}/v1/sessions/${sessionId}/events`, server.adminKey));
      await events.opened;
      const token = (pid: string) => () => mintToken(server, { sessionId, role: "ingest", participantId: pid });

      // Without consent (neither hello nor token), the server refuses with consent_required, final.
      const refusedStates: State[] = [];
      const errors: { code: string }[] = [];
      const refused = new IngestClient({
        origin,
        sessionId,
        participantId: "nobody",
        name: "Nobody",
        audio: false,
        token: token("nobody"),
        onState: (s: State) => refusedStates.push(s),
        onError: (e: { code: string }) => errors.push(e),
      });
      refused.connect();
      const failed = await until(refusedStates, (s) => s.state === "failed");
      assert.match(failed.detail, /4403/);
      assert.deepEqual(errors.map((e) => e.code), ["consent_required"]);

      // With consent: ready, then withdrawn; the server announces it and closes.
      const states: State[] = [];
      const client = new IngestClient({
        origin,
        sessionId,
        participantId: "alice",
        name: "Alice",
        audio: true,
        consent: true,
        token: token("alice"),
        readyDetail: "streaming voice only",
        onState: (s: State) => states.push(s),
        onError: () => {},
      });
      client.connect();
      assert.equal((await until(states, (s) => s.state === "ready")).detail, "streaming voice only");
      assert.equal(client.sendAudio(new Int16Array(320).buffer), true);
      client.withdrawConsent();
      const ended = await until(states, (s) => s.state === "ended");
      assert.match(ended.detail, /consent withdrawn/);
      await events.waitFor((m) => m.some((x) => x.type === "participant.left" && x.reason === "consent_withdrawn"));
      assert.equal(client.sendAudio(new Int16Array(320).buffer), false, "nothing is sent after a withdrawal");
      events.close();
    } finally {
      await server.shutdown();
      server.engine.close();
    }
  },
);

Deno.test(
  "EventsClient retries a session the server does not know (4404) instead of giving up",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await startServer({ port: 0, engine: { modelsDir: "/nonexistent-models" } });
    const states: State[] = [];
    const client = new EventsClient({
      origin: `ws://127.0.0.1:${server.port}`,
      sessionId: "not-yet",
      token: () => Promise.resolve(server.adminKey),
      onEvent: () => {},
      onState: (s: State) => states.push(s),
    });
    try {
      client.connect();
      const retry = await until(states, (s) => s.state === "reconnecting");
      assert.match(retry.detail, /does not know this session \(4404\)/);
      assert.equal(states.some((s) => s.state === "failed"), false);
    } finally {
      client.close();
      await server.shutdown();
      server.engine.close();
    }
  },
);
