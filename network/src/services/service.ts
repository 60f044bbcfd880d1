// What the supervisor needs to know to run one long-lived process of the local system.
// Each service module under network/src/services/ (and the devnet, gateway, chaincode and
// anchoring packages) exports a function returning these; scripts/src/supervisor runs them.

export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Run as this user/group (e.g. PostgreSQL, which refuses to run as root). */
  uid?: number;
  gid?: number;
}

export interface ServiceDefinition {
  /** Unique, kebab-case, e.g. `ca-hospital1`, `ipfs-hospital2`, `devnet`, `gateway-hospital1`. */
  name: string;
  /** Names of services that must be healthy before this one starts. */
  dependsOn: string[];
  /** One-time, idempotent preparation before the first start (folders, configuration, keys). */
  prepare?(): Promise<void>;
  /**
   * The process to run; it must stay in the foreground (the supervisor restarts it if it dies).
   * null: the service is provided outside (e.g. DATABASE_URL); the supervisor only checks health.
   */
  process(): ProcessSpec | null | Promise<ProcessSpec | null>;
  /** A real check that the service answers (a TCP/HTTP/gRPC request), not that its pid exists. */
  healthy(): Promise<boolean>;
  /** Work after the first healthy start (e.g. enrolling identities, deploying a contract). */
  afterStart?(): Promise<void>;
  /** How long the first health check may take (default 120 s; a cold build may need more). */
  startTimeoutMs?: number;
  /** Lines printed when everything is up: URLs, where its data is, demo logins. */
  summary?(): string[];
}
