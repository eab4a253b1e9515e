/**
 * The AsyncAPI document cannot drift from lib/protocol: every error code, event type, client
 * message type and missing reason declared in the protocol sources appears in it, every $ref
 * resolves, and the server serves exactly this document.
 */
import assert from "node:assert/strict";
import { asyncApiDocument } from "./asyncapi.ts";

const src = (f: string) => Deno.readTextFileSync(new URL(f, import.meta.url));

/** String literal members of `export type NAME = | "a" // comment … ;` in a source file. */
function unionLiterals(source: string, name: string): string[] {
  const start = source.indexOf(`export type ${name} =`);
  assert.ok(start >= 0, `type ${name} not found`);
  const out: string[] = [];
  for (const line of source.slice(start).split("\n").slice(1)) {
    const code = line.replace(/\/\/.*$/, ""); // comments may hold quotes and semicolons
    out.push(...[...code.matchAll(/"([a-z_.]+)"/g)].map((x) => x[1]));
    if (code.includes(";")) break;
  }
  return out;
}

/** The `type: "…"` literal of every interface in a union `export type NAME = A | B …;`. */
function unionTypeTags(source: string, name: string): string[] {
  const m = new RegExp(`export type ${name} =([^;]*);`).exec(source);
  assert.ok(m, `type ${name} not found`);
  return [...m[1].matchAll(/([A-Z]\w+)/g)].map(([, iface]) => {
    const body = new RegExp(`export interface ${iface}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(source);
    assert.ok(body, `interface ${iface} not found`);
    const tag = /\btype: "([^"]+)"/.exec(body[1]);
    assert.ok(tag, `${iface} has no type tag`);
    return tag[1];
  });
}

/** Top-level field names of `export interface NAME … { … }` (with the fields of an interface it extends). */
function interfaceFields(source: string, name: string): string[] {
  const m = new RegExp(`export interface ${name}\\b( extends (\\w+))?[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(source);
  assert.ok(m, `interface ${name} not found`);
  const own = [...m[3].matchAll(/^ {2}(\w+)\??:/gm)].map((x) => x[1]);
  return m[2] ? [...interfaceFields(source, m[2]), ...own] : own;
}

/** Interface names of a union `export type NAME = A | B …;`. */
function unionMembers(source: string, name: string): string[] {
  const m = new RegExp(`export type ${name} =([^;]*);`).exec(source);
  assert.ok(m, `type ${name} not found`);
  return [...m[1].matchAll(/([A-Z]\w+)/g)].map((x) => x[1]);
}

const doc = asyncApiDocument() as any;

Deno.test("every ErrorCode of lib/protocol/errors.ts is in the AsyncAPI document", () => {
  const codes = unionLiterals(src("./errors.ts"), "ErrorCode");
  assert.ok(codes.length >= 20);
  assert.deepEqual([...doc.components.schemas.errorCodes.enum].sort(), [...codes].sort());
  assert.deepEqual(
    [...doc.channels.ingest.messages.error.payload.properties.code.enum].sort(),
    [...codes].sort(),
  );
});

Deno.test("every EventBody type of lib/protocol/events.ts is a message of the events channel", () => {
  const types = unionTypeTags(src("./events.ts"), "EventBody");
  assert.ok(types.includes("emotion") && types.includes("shift"));
  for (const t of types) {
    const m = doc.channels.events.messages[t];
    assert.ok(m, `event ${t} missing`);
    assert.equal(m.payload.allOf[1].properties.type.const, t);
  }
  assert.equal(Object.keys(doc.channels.events.messages).length, types.length + 1); // + socketError
  const reasons = unionLiterals(src("./events.ts"), "MissingReason");
  assert.deepEqual([...doc.components.schemas.missingReasons.enum].sort(), [...reasons].sort());
  assert.ok(doc.channels.events.messages.emotion.payload.allOf[1].properties.faces, "faces on emotion events");
});

Deno.test("every ClientMessage type of lib/protocol/client_messages.ts is a message of the ingest channel", () => {
  const types = unionTypeTags(src("./client_messages.ts"), "ClientMessage");
  assert.ok(types.includes("hello") && types.includes("consent"));
  for (const t of types) assert.equal(doc.channels.ingest.messages[t]?.payload.properties.type.const, t, t);
  assert.ok(doc.channels.ingest.messages.audio && doc.channels.video.messages.videoFrame);
});

Deno.test("the document is AsyncAPI 3.0 with every $ref resolving", () => {
  assert.equal(doc.asyncapi, "3.0.0");
  const resolve = (ref: string) => ref.slice(2).split("/").reduce((o: any, k) => o?.[k], doc);
  let n = 0;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "$ref") {
          n++;
          assert.ok(resolve(x as string) !== undefined, `unresolved ${x}`);
        } else walk(x);
      }
    }
  };
  walk(doc);
  assert.ok(n > 20);
  for (const op of Object.values(doc.operations) as any[]) assert.ok(["send", "receive"].includes(op.action));
  assert.equal(JSON.parse(JSON.stringify(doc)).asyncapi, "3.0.0");
});

Deno.test("GET /v1/asyncapi.json serves the document to any valid token and 401 without one", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const { Engine } = await import("../engine/engine.ts");
  const { startServer } = await import("../server.ts");
  const { mintToken } = await import("../testing/auth.ts");
  const engine = await Engine.load({ disable: ["voice", "face", "text"] });
  const server = await startServer({ loadedEngine: engine, port: 0 });
  try {
    const url = `http://127.0.0.1:${server.port}/v1/asyncapi.json`;
    const anon = await fetch(url);
    await anon.body?.cancel();
    assert.equal(anon.status, 401);
    const view = await mintToken(server, { sessionId: "any", role: "view" });
    const res = await fetch(url, { headers: { authorization: `Bearer ${view}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(asyncApiDocument())));
  } finally {
    await server.shutdown();
    engine.close();
  }
});

Deno.test("every field of every event and client message interface is in its schema", () => {
  const events = src("./events.ts");
  for (const iface of unionMembers(events, "EventBody")) {
    const fields = interfaceFields(events, iface);
    const type =
      /type: "([^"]+)"/.exec(fields.includes("type") ? events.slice(events.indexOf(`interface ${iface}`)) : "")![1];
    const props = doc.channels.events.messages[type].payload.allOf[1].properties;
    for (const f of fields) assert.ok(f in props, `${type}.${f} is not in the AsyncAPI schema`);
  }
  const client = src("./client_messages.ts");
  for (const iface of unionMembers(client, "ClientMessage")) {
    // the face message is the FaceFrame's fields on the wire
    const fields = iface === "FaceMessage"
      ? interfaceFields(src("./face_frame.ts"), "FaceFrame")
      : interfaceFields(client, iface);
    const type = /type: "([^"]+)"/.exec(client.slice(client.indexOf(`interface ${iface}`)))![1];
    const props = doc.channels.ingest.messages[type].payload.properties;
    for (const f of fields) assert.ok(f in props, `${type}.${f} is not in the AsyncAPI schema`);
  }
});
