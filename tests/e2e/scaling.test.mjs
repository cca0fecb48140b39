// docs/scaling.md, checked: two `tailor serve` instances on one PostgreSQL database, as behind a
// load balancer. Runs when TAILOR_TEST_POSTGRES_URL names a server (`npm test` starts one).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startServer } from "./harness.mjs";

const postgres = process.env.TAILOR_TEST_POSTGRES_URL;
const ORIGIN = "https://shop.example";

describe("several instances, one database", { skip: !postgres && "TAILOR_TEST_POSTGRES_URL is not set" }, () => {
  let a;
  let b;
  before(async () => {
    // Tight limits so the test can reach them: 1 request/s per client, bursts of 3.
    const args = ["--allow-origin", ORIGIN, "--rate-limit", "1", "--rate-burst", "3", "--trust-proxy"];
    [a, b] = await Promise.all([startServer({ db: postgres, args }), startServer({ db: postgres, args })]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const batch = (visitor, ids) => JSON.stringify({
    v: 1, visitor, consent: { sync: true }, sent_at: Date.now(), dropped: 0,
    events: ids.map((id, i) => ({ id, type: "pageview", at: Date.now() - 1000 + i, path: "/cats" })),
  });
  const post = (server, body, client) => fetch(server.url + "/v1/events", {
    method: "POST", body,
    headers: { "content-type": "application/json", origin: ORIGIN, "x-forwarded-for": client },
  });
  const hex = (n) => randomBytes(n).toString("hex");

  test("a batch retried on the other instance is stored once", async () => {
    const visitor = hex(16);
    const body = batch(visitor, [hex(8), hex(8), hex(8)]);
    const first = await post(a, body, "203.0.113.1");
    assert.equal(first.status, 200);
    assert.deepEqual(pick(await first.json()), { accepted: 3, duplicates: 0 });
    const retry = await post(b, body, "203.0.113.1");
    assert.equal(retry.status, 200);
    assert.deepEqual(pick(await retry.json()), { accepted: 0, duplicates: 3 });
  });

  test("rate limits are per instance and, behind a proxy, per client", async () => {
    const client = "203.0.113.2";
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(a, batch(hex(16), [hex(8)]), client)).status);
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200], statuses.join());
    assert.ok(statuses.slice(3).includes(429), "the burst of 3 is spent on instance a: " + statuses.join());
    // The same client on the other instance, and another client on the same one, still pass.
    assert.equal((await post(b, batch(hex(16), [hex(8)]), client)).status, 200);
    assert.equal((await post(a, batch(hex(16), [hex(8)]), "203.0.113.3")).status, 200);
  });
});

function pick(answer) {
  return { accepted: answer.accepted, duplicates: answer.duplicates };
}
