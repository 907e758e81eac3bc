import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scrubSecrets } from "../observability/secrets.ts";
import {
  parseApiToken,
  resolveCredentials,
  TICKET_RENEW_AFTER_MS,
  type TicketGrant,
  TicketSession,
  tokenHeader,
} from "./auth.ts";
import { ProxmoxError } from "./errors.ts";

const SECRET = "0b3c1e2d-aaaa-bbbb-cccc-1234567890ab";

describe("credentials", () => {
  it("parses a full token string at its last '='", () => {
    assert.deepEqual(parseApiToken(`terraform@pam!automation=${SECRET}`), {
      tokenId: "terraform@pam!automation",
      secret: SECRET,
    });
    assert.deepEqual(parseApiToken(`PVEAPIToken=omni@pve!provider=${SECRET}`), {
      tokenId: "omni@pve!provider",
      secret: SECRET,
    });
  });

  it("accepts tokenID + tokenSecret like the Go provider's config", () => {
    const c = resolveCredentials({ tokenID: "terraform@pam!automation", tokenSecret: SECRET });
    assert.deepEqual(c, { kind: "token", tokenId: "terraform@pam!automation", secret: SECRET });
    assert.equal(
      tokenHeader({ tokenId: "terraform@pam!automation", secret: SECRET }),
      `PVEAPIToken=terraform@pam!automation=${SECRET}`,
    );
    assert.equal(resolveCredentials({ tokenID: `ab@pve!bb=${SECRET}` }).kind, "token");
  });

  it("builds a username with its realm", () => {
    assert.deepEqual(resolveCredentials({ username: "root", password: "hunter2hunter2", realm: "pam" }), {
      kind: "password",
      username: "root@pam",
      password: "hunter2hunter2",
    });
    assert.equal(
      (resolveCredentials({ username: "ops@pve", password: "hunter2hunter2" }) as { username: string }).username,
      "ops@pve",
    );
  });

  it("rejects malformed settings with messages that name the fix and never the secret", () => {
    const bad = [
      () => parseApiToken("no-equals-sign"),
      () => resolveCredentials({ tokenID: "missing-realm!x", tokenSecret: SECRET }),
      () => resolveCredentials({ tokenID: "ab@pve!bb" }),
      () => resolveCredentials({ username: "root" }),
      () => resolveCredentials({}),
    ];
    for (const f of bad) {
      assert.throws(
        f,
        (e: unknown) => e instanceof ProxmoxError && e.code === "auth_failed" && !e.message.includes(SECRET),
      );
    }
  });

  it("registers secrets with the scrubber", () => {
    resolveCredentials({ tokenID: "ab@pve!bb", tokenSecret: SECRET });
    assert.equal(scrubSecrets(`x ${SECRET} y`), "x [REDACTED] y");
  });
});

describe("ticket session", () => {
  it("logs in once, renews with the ticket after 90 minutes, re-logs in after invalidate", async () => {
    let clock = 0;
    const calls: string[] = [];
    const login = async (_u: string, p: string): Promise<TicketGrant> => {
      calls.push(p);
      return {
        username: "root@pam",
        ticket: `PVE:root@pam:ticket-${calls.length}`,
        CSRFPreventionToken: `csrf-${calls.length}`,
      };
    };
    const s = new TicketSession("root@pam", "the-password", login, () => clock);
    const [a, b] = await Promise.all([s.current(), s.current()]);
    assert.equal(a, b);
    assert.deepEqual(calls, ["the-password"]);
    clock += TICKET_RENEW_AFTER_MS - 1;
    await s.current();
    assert.equal(calls.length, 1);
    clock += 2;
    const renewed = await s.current();
    assert.deepEqual(calls, ["the-password", "PVE:root@pam:ticket-1"]);
    assert.equal(renewed.ticket, "PVE:root@pam:ticket-2");
    s.invalidate();
    await s.current();
    assert.deepEqual(calls.at(-1), "the-password");
  });

  it("ignores an invalidate for a ticket that was already replaced", async () => {
    let n = 0;
    const login = async (): Promise<TicketGrant> => {
      n++;
      return { username: "root@pam", ticket: `PVE:root@pam:t${n}`, CSRFPreventionToken: `c${n}` };
    };
    const s = new TicketSession("root@pam", "the-password", login);
    const first = await s.current();
    s.invalidate(first);
    const second = await s.current();
    assert.equal(n, 2);
    s.invalidate(first); // a late 401 for the old ticket
    assert.equal(await s.current(), second);
    assert.equal(n, 2);
  });
});
