/** The one place the app names ferryd's API types, so the main process, preload and renderer agree with the service. */
export type {
  ApiError,
  ConnectSecrets,
  Health,
  ProfileSummary,
  ServiceClient,
  ServiceEvent,
  TunnelState,
} from "@ferry/service";
export type { Finding, FindingStatus } from "@ferry/wrap";
