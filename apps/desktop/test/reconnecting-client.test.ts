import { describe, expect, it } from "vitest";
import { reconnectingClient } from "../src/main/reconnecting-client.js";
import type { ServiceClient, ServiceEvent } from "../src/shared/service-api.js";
import { type FakeService, fakeService } from "./support/fake-service.js";

/** A connect factory handing out fake services, any of which a test can "kill". */
function services() {
  const made: { service: FakeService; dead: boolean; closed: boolean }[] = [];
  let refuse = false;
  const connect = async (): Promise<ServiceClient> => {
    if (refuse)
      throw Object.assign(new Error("not running"), { code: "SERVICE_NOT_RUNNING", hint: "start it" });
    const entry = { service: fakeService(), dead: false, closed: false };
    made.push(entry);
    const alive = <T>(run: () => Promise<T>) => (entry.dead ? Promise.reject(new Error("EPIPE")) : run());
    return {
      status: () => alive(() => entry.service.status()),
      listProfiles: () => alive(() => entry.service.listProfiles()),
      connect: (id, secrets) => alive(() => entry.service.connect(id, secrets)),
      disconnect: () => alive(() => entry.service.disconnect()),
      diagnose: (id) => alive(() => entry.service.diagnose(id)),
      subscribe: (onEvent) => alive(() => entry.service.subscribe(onEvent)),
      close: () => {
        entry.closed = true;
      },
    };
  };
  return { made, connect, setRefuse: (value: boolean) => (refuse = value) };
}

describe("reconnectingClient", () => {
  it("connects once on first use and reuses the connection", async () => {
    const { made, connect } = services();
    const client = reconnectingClient(connect);
    expect(made).toHaveLength(0);
    await client.status();
    await client.listProfiles();
    expect(made).toHaveLength(1);
  });

  it("keeps the connection when the service answers with an error", async () => {
    const { made, connect } = services();
    const client = reconnectingClient(connect);
    await expect(client.diagnose("nope")).rejects.toMatchObject({ code: "PROFILE_NOT_FOUND" });
    await client.status();
    expect(made).toHaveLength(1);
    expect(made[0]!.closed).toBe(false);
  });

  it("reconnects and re-subscribes after the service went away", async () => {
    const { made, connect, setRefuse } = services();
    const client = reconnectingClient(connect);
    const events: ServiceEvent[] = [];
    await client.subscribe((event) => events.push(event));
    made[0]!.dead = true;
    setRefuse(true);
    await expect(client.status()).rejects.toThrow("EPIPE");
    expect(made[0]!.closed).toBe(true);
    await expect(client.status()).rejects.toMatchObject({ code: "SERVICE_NOT_RUNNING" });
    setRefuse(false);
    await client.status();
    expect(made).toHaveLength(2);
    await made[1]!.service.disconnect();
    expect(events.map((event) => event.event)).toContain("health");
  });

  it("remembers a subscriber while the service is down and subscribes it when it comes up", async () => {
    const { made, connect, setRefuse } = services();
    setRefuse(true);
    const client = reconnectingClient(connect);
    const events: ServiceEvent[] = [];
    await expect(client.subscribe((event) => events.push(event))).rejects.toMatchObject({
      code: "SERVICE_NOT_RUNNING",
    });
    setRefuse(false);
    await client.status();
    await made[0]!.service.disconnect();
    expect(events).toHaveLength(1);
  });
});
