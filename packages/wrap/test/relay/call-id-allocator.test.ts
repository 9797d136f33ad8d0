import { describe, expect, it } from "vitest";
import {
  CallIdAllocator,
  FIRST_RELAY_CALL_ID,
  LAST_RELAY_CALL_ID,
  ServerCallIds,
} from "../../src/relay/call-id-allocator.js";

function allocateOk<T>(allocator: CallIdAllocator<T>, owner: T): number {
  const result = allocator.allocate(owner);
  if (!result.ok) throw new Error(result.error.message);
  return result.callId;
}

describe("CallIdAllocator", () => {
  it("hands out distinct IDs from 1, never 0, and finds their owners", () => {
    const allocator = new CallIdAllocator<string>("203.0.113.7");
    const ids = ["a", "b", "c"].map((owner) => allocateOk(allocator, owner));
    expect(ids).toEqual([1, 2, 3]);
    expect(allocator.ownerOf(2)).toBe("b");
    expect(allocator.ownerOf(0)).toBeUndefined();
    expect(allocator.inUse).toBe(3);
  });

  it("reuses released IDs, but only after the others (round-robin)", () => {
    const allocator = new CallIdAllocator<string>("203.0.113.7");
    const first = allocateOk(allocator, "a");
    allocator.release(first, "a");
    expect(allocator.ownerOf(first)).toBeUndefined();
    expect(allocateOk(allocator, "b")).toBe(first + 1);
  });

  it("ignores a release by someone who no longer owns the ID", () => {
    const allocator = new CallIdAllocator<string>("203.0.113.7");
    const id = allocateOk(allocator, "a");
    allocator.release(id, "stale");
    expect(allocator.ownerOf(id)).toBe("a");
  });

  it("returns an error value when all 65535 IDs are taken, and recovers after a release", () => {
    const allocator = new CallIdAllocator<number>("203.0.113.7");
    for (let i = FIRST_RELAY_CALL_ID; i <= LAST_RELAY_CALL_ID; i++) expect(allocateOk(allocator, i)).toBe(i);
    const full = allocator.allocate(-1);
    expect(full.ok).toBe(false);
    if (!full.ok) {
      expect(full.error.code).toBe("CALL_REJECTED");
      expect(full.error.message).toContain("203.0.113.7");
    }
    allocator.release(1234, 1234);
    expect(allocateOk(allocator, -1)).toBe(1234);
  });

  it("wraps around from 65535 to 1, skipping IDs in use", () => {
    const allocator = new CallIdAllocator<number>("203.0.113.7");
    for (let i = FIRST_RELAY_CALL_ID; i < LAST_RELAY_CALL_ID; i++) allocateOk(allocator, i);
    allocator.release(5, 5);
    expect(allocateOk(allocator, -1)).toBe(LAST_RELAY_CALL_ID);
    expect(allocateOk(allocator, -2)).toBe(5);
  });
});

describe("ServerCallIds", () => {
  it("keeps one allocator per server: IDs only need to be unique towards the same server", () => {
    const registry = new ServerCallIds<string>();
    const one = registry.forServer("203.0.113.7");
    expect(registry.forServer("203.0.113.7")).toBe(one);
    const other = registry.forServer("198.51.100.9");
    expect(allocateOk(one, "a")).toBe(1);
    expect(allocateOk(other, "b")).toBe(1);
  });
});
