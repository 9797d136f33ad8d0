/** Builds the link's control protocol automata (LCP, IPCP, CCP): one set of limits, one source of randomness, one outbox. */
import type { RandomSource } from "../util/random.js";
import {
  ControlProtocolFsm,
  DEFAULT_FSM_LIMITS,
  type FsmLimits,
  type FsmOptions,
  type LayerSignals,
  type OptionsHandler,
} from "./fsm.js";
import type { PppLinkConfig } from "./link-config.js";
import type { PppPacket } from "./link-output.js";

/** One automaton for `protocol`, whose packets go to the link's outbox. */
export type AutomatonFactory = (
  name: string,
  protocol: number,
  handler: OptionsHandler,
  layer: LayerSignals,
  observe?: FsmOptions["observe"],
) => ControlProtocolFsm;

export function automatonFactory(
  config: PppLinkConfig,
  random: RandomSource,
  send: (packet: PppPacket) => void,
): AutomatonFactory {
  const limits: FsmLimits = {
    restartTimerMs: config.restartTimerMs,
    maxConfigure: config.maxConfigure ?? DEFAULT_FSM_LIMITS.maxConfigure,
    maxTerminate: config.maxTerminate ?? DEFAULT_FSM_LIMITS.maxTerminate,
    maxFailure: config.maxFailure ?? DEFAULT_FSM_LIMITS.maxFailure,
  };
  return (name, protocol, handler, layer, observe) =>
    new ControlProtocolFsm({
      name,
      handler,
      limits,
      random,
      layer,
      observe,
      send: (info) => send({ protocol, info }),
    });
}
