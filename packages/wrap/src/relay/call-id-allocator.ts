/**
 * Relay-unique PPTP Call IDs. Every client that shares the relay's address towards one PPTP server needs a Call ID
 * that no other client of that server uses, because the server keys its GRE packets by that ID alone (the GRE
 * key's call-id half) and they all arrive at the same relay address. Linux's nf_nat_pptp gets its unique ID from
 * the NATed TCP source port, which is never 0; the GRE NAT range likewise starts at 1. We hand out 1..65535 too:
 * 0 is what peers put in Call ID fields that name no call (a refused Incoming-Call-Reply, for example).
 *
 * The allocator is also the lookup from a Call ID in a server's GRE packet to the session that owns it.
 */
import { type FerryError, ferryError } from "@ferry/pptp-client";

export const FIRST_RELAY_CALL_ID = 1;
export const LAST_RELAY_CALL_ID = 0xffff;

export type CallIdAllocation =
  | { readonly ok: true; readonly callId: number }
  | { readonly ok: false; readonly error: FerryError };

/** The Call IDs the relay uses towards one PPTP server, each with the session (owner) it belongs to. */
export class CallIdAllocator<Owner> {
  private readonly owners = new Map<number, Owner>();
  /** Where the next search starts: handing IDs out round-robin delays the reuse of a just-released ID, so late
   * GRE for a finished call is less likely to reach the next session that gets the same ID. */
  private cursor = FIRST_RELAY_CALL_ID;

  /** `server` names the PPTP server in error messages (its address). */
  constructor(readonly server: string) {}

  get inUse(): number {
    return this.owners.size;
  }

  allocate(owner: Owner): CallIdAllocation {
    const size = LAST_RELAY_CALL_ID - FIRST_RELAY_CALL_ID + 1;
    if (this.owners.size >= size) {
      return {
        ok: false,
        error: ferryError(
          "CALL_REJECTED",
          `The relay has no free PPTP Call ID towards ${this.server}: all ${size} are in use by other clients.`,
          "Try again in a moment, or connect through another relay (or directly).",
          { server: this.server, inUse: this.owners.size },
        ),
      };
    }
    let callId = this.cursor;
    while (this.owners.has(callId)) callId = callId === LAST_RELAY_CALL_ID ? FIRST_RELAY_CALL_ID : callId + 1;
    this.owners.set(callId, owner);
    this.cursor = callId === LAST_RELAY_CALL_ID ? FIRST_RELAY_CALL_ID : callId + 1;
    return { ok: true, callId };
  }

  /** Frees `callId` if `owner` still holds it; a stale release (the ID already went to someone else) does nothing. */
  release(callId: number, owner: Owner): void {
    if (this.owners.get(callId) === owner) this.owners.delete(callId);
  }

  ownerOf(callId: number): Owner | undefined {
    return this.owners.get(callId);
  }
}

/** One CallIdAllocator per PPTP server address: Call IDs only need to be unique towards the same server. */
export class ServerCallIds<Owner> {
  private readonly byServer = new Map<string, CallIdAllocator<Owner>>();

  /** The allocator for `server` (any stable key of the server's address, e.g. "203.0.113.7"). */
  forServer(server: string): CallIdAllocator<Owner> {
    let allocator = this.byServer.get(server);
    if (allocator === undefined) {
      allocator = new CallIdAllocator<Owner>(server);
      this.byServer.set(server, allocator);
    }
    return allocator;
  }
}
