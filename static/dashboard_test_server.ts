/**
 * A file server for the dashboard's own files (static/ and index.html at /), for browser tests
 * that script the server's side themselves (page.route, page.routeWebSocket).
 */

const STATIC_DIR = new URL("./", import.meta.url).pathname;
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/** Serves static/ on a free loopback port. */
export function serveDashboardFiles(): { origin: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const rel = path === "/" ? "index.html" : path.startsWith("/static/") ? path.slice("/static/".length) : "";
    if (!rel || rel.split("/").some((p) => p === ".." || p.startsWith("."))) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(`${STATIC_DIR}${rel}`);
      return new Response(body, {
        headers: { "content-type": TYPES[rel.split(".").pop()!] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { origin: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}
