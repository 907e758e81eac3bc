import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccessControl } from "./auth.ts";
import { PveHttpError } from "./errors.ts";
import { defaultMatrixWorld } from "./world.ts";

const world = defaultMatrixWorld();
const acl = new AccessControl(world.users, world.tokens, world.acl);
const token = (id: string) => world.tokens.find((t) => t.tokenId === id)?.secret ?? "";
const now = 1_800_000_000;

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PveHttpError ? err.status : -1;
  }
  return undefined;
}

describe("AccessControl", () => {
  it("authenticates API tokens split at the last '='", () => {
    const p = acl.authenticate({ authorization: `PVEAPIToken=omni@pve!provider=${token("omni@pve!provider")}` }, now);
    assert.deepEqual(p, {
      userid: "omni@pve",
      tokenId: "omni@pve!provider",
      authId: "omni@pve!provider",
      viaTicket: false,
    });
    assert.equal(
      status(() => acl.authenticate({ authorization: "PVEAPIToken=omni@pve!provider=wrong" }, now)),
      401,
    );
    assert.equal(
      status(() => acl.authenticate({}, now)),
      401,
    );
  });

  it("issues tickets and CSRF tokens, renews with the ticket as password, rejects bad ones", () => {
    const root = world.users.find((u) => u.userid === "root@pam");
    const login = acl.login("root@pam", root?.password ?? "", now);
    assert.match(login.ticket, /^PVE:root@pam:[0-9A-F]{8}::/);
    const p = acl.authenticate({ cookie: `PVEAuthCookie=${encodeURIComponent(login.ticket)}` }, now + 10);
    assert.equal(p.viaTicket, true);
    assert.equal(
      status(() => acl.checkCsrf("root@pam", login.csrf, now + 10)),
      undefined,
    );
    assert.equal(
      status(() => acl.checkCsrf("root@pam", "00000000:nope", now + 10)),
      401,
    );
    assert.equal(
      status(() => acl.authenticate({ cookie: `PVEAuthCookie=${login.ticket}` }, now + 7201)),
      401,
    );
    assert.equal(acl.login("root@pam", login.ticket, now + 100).userid, "root@pam");
    assert.equal(
      status(() => acl.login("root@pam", "wrong-password", now)),
      401,
    );
  });

  it("gives privilege-separated tokens the intersection of user and token ACLs", () => {
    const provider = {
      userid: "omni@pve",
      tokenId: "omni@pve!provider",
      authId: "omni@pve!provider",
      viaTicket: false,
    };
    const limited = {
      userid: "limited@pve",
      tokenId: "limited@pve!noalloc",
      authId: "limited@pve!noalloc",
      viaTicket: false,
    };
    assert.equal(acl.has(provider, "/vms/101", "VM.Allocate"), true);
    assert.equal(acl.has(limited, "/vms/101", "VM.Allocate"), false);
    assert.equal(acl.has(limited, "/vms/101", "VM.Audit"), true);
    assert.equal(acl.has(provider, "/storage/local", "Datastore.AllocateTemplate"), true);
    assert.equal(acl.has(provider, "/storage/vm_ssd", "Datastore.AllocateTemplate"), false);
    assert.equal(acl.has(provider, "/", "Sys.Modify"), false);
    assert.equal(acl.has(provider, "/", "Sys.Audit"), true);
    assert.equal(acl.has(provider, "/access", "Sys.Audit"), false, "a non-propagating ACL on / does not reach /access");
    const err = (() => {
      try {
        acl.require(limited, "/vms/101", "VM.Allocate");
      } catch (e) {
        return e as PveHttpError;
      }
    })();
    assert.equal(err?.status, 403);
    assert.equal(err?.message, "Permission check failed (/vms/101, VM.Allocate)");
  });

  it("gives root@pam and its privsep=0 tokens every privilege", () => {
    const admin = { userid: "root@pam", tokenId: "root@pam!lab", authId: "root@pam!lab", viaTicket: false };
    assert.equal(acl.has(admin, "/anything", "Sys.Modify"), true);
  });
});
