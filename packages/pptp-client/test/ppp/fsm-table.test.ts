/**
 * Every cell of the RFC 1661 section 4.1 state transition table, checked by its effects: the automaton is driven
 * into each state, given each event, and must send exactly the packets, raise exactly the layer signals, move the
 * restart counter and timer, and land in exactly the state that the table (copied below from the RFC) prescribes.
 */
import { describe, expect, it } from "vitest";
import type { ControlProtocolFsm, FsmEvent } from "../../src/ppp/fsm.js";
import { FSM_EVENTS, FSM_STATES, type FsmEventName, type FsmState } from "../../src/ppp/fsm-table.js";
import { CpCode } from "../../src/wire/ppp-cp.js";
import { recordingFsm, TEST_LIMITS } from "./fsm-support.js";

// RFC 1661 section 4.1, as printed.
const RFC_TEXT = `
      | State
      |    0         1         2         3         4         5
Events| Initial   Starting  Closed    Stopped   Closing   Stopping
------+-----------------------------------------------------------
 Up   |    2     irc,scr/6     -         -         -         -
 Down |    -         -         0       tls/1       0         1
 Open |  tls/1       1     irc,scr/6     3r        5r        5r
 Close|    0       tlf/0       2         2         4         4
      |
  TO+ |    -         -         -         -       str/4     str/5
  TO- |    -         -         -         -       tlf/2     tlf/3
      |
 RCR+ |    -         -       sta/2 irc,scr,sca/8   4         5
 RCR- |    -         -       sta/2 irc,scr,scn/6   4         5
 RCA  |    -         -       sta/2     sta/3       4         5
 RCN  |    -         -       sta/2     sta/3       4         5
      |
 RTR  |    -         -       sta/2     sta/3     sta/4     sta/5
 RTA  |    -         -         2         3       tlf/2     tlf/3
      |
 RUC  |    -         -       scj/2     scj/3     scj/4     scj/5
 RXJ+ |    -         -         2         3         4         5
 RXJ- |    -         -       tlf/2     tlf/3     tlf/2     tlf/3
      |
 RXR  |    -         -         2         3         4         5

      | State
      |    6         7         8           9
Events| Req-Sent  Ack-Rcvd  Ack-Sent    Opened
------+-----------------------------------------
 Up   |    -         -         -           -
 Down |    1         1         1         tld/1
 Open |    6         7         8           9r
 Close|irc,str/4 irc,str/4 irc,str/4 tld,irc,str/4
      |
  TO+ |  scr/6     scr/6     scr/8         -
  TO- |  tlf/3p    tlf/3p    tlf/3p        -
      |
 RCR+ |  sca/8   sca,tlu/9   sca/8   tld,scr,sca/8
 RCR- |  scn/6     scn/7     scn/6   tld,scr,scn/6
 RCA  |  irc/7     scr/6x  irc,tlu/9   tld,scr/6x
 RCN  |irc,scr/6   scr/6x  irc,scr/8   tld,scr/6x
      |
 RTR  |  sta/6     sta/6     sta/6   tld,zrc,sta/5
 RTA  |    6         6         8       tld,scr/6
      |
 RUC  |  scj/6     scj/7     scj/8       scj/9
 RXJ+ |    6         6         8           9
 RXJ- |  tlf/3     tlf/3     tlf/3   tld,irc,str/5
      |
 RXR  |    6         7         8         ser/9
`;

interface Cell {
  readonly actions: string[];
  readonly next: number;
}

/** The RFC text as event -> state number -> cell (undefined for "-"). */
function parseRfcTable(text: string): Map<string, (Cell | undefined)[]> {
  const table = new Map<string, (Cell | undefined)[]>();
  let columns: number[] = [];
  for (const line of text.split("\n")) {
    const [label, rest] = line.split("|");
    if (rest === undefined) continue;
    if (label!.trim() === "" && /^\s*(\d\s*)+$/.test(rest)) {
      columns = rest.trim().split(/\s+/).map(Number);
      continue;
    }
    const event = label!.trim();
    if (!(FSM_EVENTS as readonly string[]).includes(event)) continue;
    const cells = rest.trim().split(/\s+/);
    const row = table.get(event) ?? [];
    cells.forEach((cell, i) => {
      row[columns[i]!] =
        cell === "-"
          ? undefined
          : {
              actions: cell.includes("/") ? cell.slice(0, cell.lastIndexOf("/")).split(",") : [],
              // r, p and x mark optional behaviours the automaton does not take.
              next: Number(cell.slice(cell.lastIndexOf("/") + 1).replace(/[rpx]$/, "")),
            };
    });
    table.set(event, row);
  }
  return table;
}

const RFC = parseRfcTable(RFC_TEXT);
const ID = 42;
const OPTIONS = Uint8Array.of(1, 3, 9);

function eventFor(name: FsmEventName): FsmEvent {
  switch (name) {
    case "RCR+":
      return { type: name, identifier: ID, options: OPTIONS };
    case "RCR-":
      return { type: name, identifier: ID, nak: true, options: OPTIONS };
    case "RCA":
    case "RCN":
    case "RTR":
      return { type: name, identifier: ID };
    case "RUC":
      return { type: name, packet: Uint8Array.of(0x63, ID, 0, 4) };
    case "RXR":
      return {
        type: name,
        reply: { identifier: ID, code: CpCode.EchoReply, data: Uint8Array.of(0, 0, 0, 1) },
      };
    default:
      return { type: name };
  }
}

/** Events that lead from Initial to each state. */
const PATHS: Record<FsmState, FsmEventName[]> = {
  Initial: [],
  Starting: ["Open"],
  Closed: ["Up"],
  Stopped: ["Open", "Up", "RXJ-"],
  Closing: ["Open", "Up", "Close"],
  Stopping: ["Open", "Up", "RCR+", "RCA", "RTR"],
  "Req-Sent": ["Open", "Up"],
  "Ack-Rcvd": ["Open", "Up", "RCA"],
  "Ack-Sent": ["Open", "Up", "RCR+"],
  Opened: ["Open", "Up", "RCR+", "RCA"],
};

function driveTo(state: FsmState): ReturnType<typeof recordingFsm> {
  const recording = recordingFsm();
  for (const name of PATHS[state]) recording.fsm.fire(eventFor(name), 0);
  expect(recording.fsm.state).toBe(state);
  recording.log.length = 0;
  recording.sent.length = 0;
  return recording;
}

const SENT_BY: Record<string, number> = {
  scr: CpCode.ConfigureRequest,
  sca: CpCode.ConfigureAck,
  scn: CpCode.ConfigureNak,
  str: CpCode.TerminateRequest,
  sta: CpCode.TerminateAck,
  scj: CpCode.CodeReject,
  ser: CpCode.EchoReply,
};
/** Actions answering the received packet keep its identifier. */
const ANSWERS = new Set(["sca", "scn", "sta", "ser"]);

function expectedCounter(before: number, actions: readonly string[], next: number): number {
  let counter = before;
  for (const action of actions) {
    if (action === "irc")
      counter = next === 4 || next === 5 ? TEST_LIMITS.maxTerminate : TEST_LIMITS.maxConfigure;
    else if (action === "zrc") counter = 0;
    else if (action === "scr" || action === "str") counter--;
  }
  return counter;
}

function timerRunning(fsm: ControlProtocolFsm): boolean {
  return fsm.nextTimeout() !== undefined;
}

describe("RFC 1661 state transition table", () => {
  it("the table copied into the test has every event and state", () => {
    expect([...RFC.keys()].sort()).toEqual([...FSM_EVENTS].sort());
    for (const row of RFC.values()) expect(row).toHaveLength(FSM_STATES.length);
  });

  for (const event of FSM_EVENTS) {
    FSM_STATES.forEach((state, index) => {
      const cell = RFC.get(event)![index];
      const name = cell === undefined ? "-" : `${cell.actions.join(",")}/${cell.next}`;
      it(`${event} in ${index} ${state}: ${name}`, () => {
        const { fsm, log, sent } = driveTo(state);
        const counterBefore = fsm.restartCount;
        const timerBefore = timerRunning(fsm);
        fsm.fire(eventFor(event), 1000);
        if (cell === undefined) {
          // Cannot happen in this state: nothing changes.
          expect(fsm.state).toBe(state);
          expect(log).toEqual([]);
          expect(fsm.restartCount).toBe(counterBefore);
          expect(timerRunning(fsm)).toBe(timerBefore);
          return;
        }
        expect(fsm.state).toBe(FSM_STATES[cell.next]);
        const expectedLog = cell.actions
          .filter((a) => a !== "irc" && a !== "zrc")
          .map((a) => (a in SENT_BY ? `send:${SENT_BY[a]}` : a));
        expect(log).toEqual(expectedLog);
        cell.actions
          .filter((a) => a in SENT_BY)
          .forEach((action, i) => {
            if (ANSWERS.has(action)) expect(sent[i]!.identifier).toBe(ID);
          });
        expect(fsm.restartCount).toBe(expectedCounter(counterBefore, cell.actions, cell.next));
        // The restart timer runs exactly in Closing, Stopping, Req-Sent, Ack-Rcvd and Ack-Sent.
        expect(timerRunning(fsm)).toBe(cell.next >= 4 && cell.next <= 8);
      });
    });
  }
});
