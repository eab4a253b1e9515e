import assert from "node:assert/strict";
import { LOCAL_CLUSTER, renderHaproxyConfig } from "./haproxy_config.ts";
import { hasCommand } from "./redis_server.ts";

const cfgPath = new URL("../../cluster/haproxy.cfg", import.meta.url).pathname;

Deno.test("cluster/haproxy.cfg is the rendered configuration of the local 3-instance cluster", () => {
  const rendered = renderHaproxyConfig({ ...LOCAL_CLUSTER, backendPorts: [...LOCAL_CLUSTER.backendPorts] });
  assert.equal(Deno.readTextFileSync(cfgPath), rendered, "regenerate cluster/haproxy.cfg from renderHaproxyConfig");
  assert.match(rendered, /balance uri depth 4/);
  assert.match(rendered, /hash-type consistent/);
  assert.match(rendered, /timeout tunnel/);
  assert.match(rendered, /option redispatch/);
  assert.match(rendered, /http-check send meth GET uri \/v1\/health/);
  assert.equal(rendered.match(/^\s+server a\d/gm)?.length, 3);
});

const haproxy = await hasCommand("haproxy");
Deno.test({
  name: "haproxy accepts cluster/haproxy.cfg (haproxy -c)",
  ignore: !haproxy,
  async fn() {
    const { code, stderr } = await new Deno.Command("haproxy", {
      args: ["-c", "-f", cfgPath],
      stdout: "null",
      stderr: "piped",
    })
      .output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  },
});
if (!haproxy) {
  console.warn("haproxy_config_test: haproxy -c SKIPPED — haproxy is not installed (apt-get install haproxy)");
}
