/**
 * The RFC 1661 section 4.1 state transition table, written in the RFC's own notation so it can be checked against
 * the printed table line by line. The optional behaviours marked r (restart), p (passive) and x (crossed
 * connection) are not taken: "3r" is 3, "tlf/3p" is tlf/3, "scr/6x" is scr/6.
 */

/** States in RFC order: the index of each is its number in the table. */
export const FSM_STATES = [
  "Initial",
  "Starting",
  "Closed",
  "Stopped",
  "Closing",
  "Stopping",
  "Req-Sent",
  "Ack-Rcvd",
  "Ack-Sent",
  "Opened",
] as const;
export type FsmState = (typeof FSM_STATES)[number];

export const FSM_EVENTS = [
  "Up",
  "Down",
  "Open",
  "Close",
  "TO+",
  "TO-",
  "RCR+",
  "RCR-",
  "RCA",
  "RCN",
  "RTR",
  "RTA",
  "RUC",
  "RXJ+",
  "RXJ-",
  "RXR",
] as const;
export type FsmEventName = (typeof FSM_EVENTS)[number];

export const FSM_ACTIONS = [
  "tlu",
  "tld",
  "tls",
  "tlf",
  "irc",
  "zrc",
  "scr",
  "sca",
  "scn",
  "str",
  "sta",
  "scj",
  "ser",
] as const;
export type FsmAction = (typeof FSM_ACTIONS)[number];

export interface FsmTransition {
  readonly actions: readonly FsmAction[];
  readonly next: FsmState;
}

/** "-" marks an event that cannot occur in that state. */
type Cell = string;
type Row = readonly [Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell];

// biome-ignore format: kept in the RFC's column layout
const RFC_1661_TABLE: Record<FsmEventName, Row> = {
  //        0 Initial  1 Starting   2 Closed     3 Stopped        4 Closing    5 Stopping   6 Req-Sent   7 Ack-Rcvd   8 Ack-Sent   9 Opened
  Up:      ["2",       "irc,scr/6", "-",         "-",             "-",         "-",         "-",         "-",         "-",         "-"],
  Down:    ["-",       "-",         "0",         "tls/1",         "0",         "1",         "1",         "1",         "1",         "tld/1"],
  Open:    ["tls/1",   "1",         "irc,scr/6", "3",             "5",         "5",         "6",         "7",         "8",         "9"],
  Close:   ["0",       "tlf/0",     "2",         "2",             "4",         "4",         "irc,str/4", "irc,str/4", "irc,str/4", "tld,irc,str/4"],
  "TO+":   ["-",       "-",         "-",         "-",             "str/4",     "str/5",     "scr/6",     "scr/6",     "scr/8",     "-"],
  "TO-":   ["-",       "-",         "-",         "-",             "tlf/2",     "tlf/3",     "tlf/3",     "tlf/3",     "tlf/3",     "-"],
  "RCR+":  ["-",       "-",         "sta/2",     "irc,scr,sca/8", "4",         "5",         "sca/8",     "sca,tlu/9", "sca/8",     "tld,scr,sca/8"],
  "RCR-":  ["-",       "-",         "sta/2",     "irc,scr,scn/6", "4",         "5",         "scn/6",     "scn/7",     "scn/6",     "tld,scr,scn/6"],
  RCA:     ["-",       "-",         "sta/2",     "sta/3",         "4",         "5",         "irc/7",     "scr/6",     "irc,tlu/9", "tld,scr/6"],
  RCN:     ["-",       "-",         "sta/2",     "sta/3",         "4",         "5",         "irc,scr/6", "scr/6",     "irc,scr/8", "tld,scr/6"],
  RTR:     ["-",       "-",         "sta/2",     "sta/3",         "sta/4",     "sta/5",     "sta/6",     "sta/6",     "sta/6",     "tld,zrc,sta/5"],
  RTA:     ["-",       "-",         "2",         "3",             "tlf/2",     "tlf/3",     "6",         "6",         "8",         "tld,scr/6"],
  RUC:     ["-",       "-",         "scj/2",     "scj/3",         "scj/4",     "scj/5",     "scj/6",     "scj/7",     "scj/8",     "scj/9"],
  "RXJ+":  ["-",       "-",         "2",         "3",             "4",         "5",         "6",         "6",         "8",         "9"],
  "RXJ-":  ["-",       "-",         "tlf/2",     "tlf/3",         "tlf/2",     "tlf/3",     "tlf/3",     "tlf/3",     "tlf/3",     "tld,irc,str/5"],
  RXR:     ["-",       "-",         "2",         "3",             "4",         "5",         "6",         "7",         "8",         "ser/9"],
};

function parseCell(cell: Cell): FsmTransition | undefined {
  if (cell === "-") return undefined;
  const slash = cell.lastIndexOf("/");
  const actions = (slash < 0 ? "" : cell.slice(0, slash)).split(",").filter((a) => a !== "") as FsmAction[];
  const next = FSM_STATES[Number(cell.slice(slash + 1))]!;
  return { actions, next };
}

const TRANSITIONS = new Map<FsmEventName, (FsmTransition | undefined)[]>(
  FSM_EVENTS.map((event) => [event, RFC_1661_TABLE[event].map(parseCell)]),
);

/** What the table says `event` does in `state`; undefined where the RFC marks it as impossible ("-"). */
export function fsmTransition(event: FsmEventName, state: FsmState): FsmTransition | undefined {
  return TRANSITIONS.get(event)![FSM_STATES.indexOf(state)];
}

/** States in which the restart timer runs (RFC 1661 section 4.2: only while a request awaits its answer). */
export function restartTimerRuns(state: FsmState): boolean {
  const index = FSM_STATES.indexOf(state);
  return index >= 4 && index <= 8;
}
