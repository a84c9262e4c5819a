// Types of wss-hub.js (the client library of wss-hub's /ws endpoint; see README.md and docs/protocol.md).

export type HubState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface HubStatus {
  state: HubState;
  /** reconnecting: how long until the next attempt. */
  delayMs?: number;
  /** reconnecting / closed: the close code of the socket that ended (1006 for a dead or unreachable one). */
  code?: number;
  reason?: string;
  /** connecting: the attempt number since the last stable connection (0 first). */
  attempt?: number;
  /** once connected: the authenticated user name. */
  user?: string;
}

export interface HubOptions {
  /** The WebSocket constructor; default globalThis.WebSocket (in Node 18-21 pass the `ws` package). */
  WebSocket?: any;
  /** Third constructor argument; for `ws`: {headers: {Authorization: 'Basic …'}, ca: pem}. */
  wsOptions?: unknown;
  /** Offer the wsshub.batch subprotocol (default true); frames arrive as arrays and are unpacked. */
  batch?: boolean;
  /** Reconnect backoff: full jitter in [0, min(cap, base * 2^attempt)). Defaults 500 and 20000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Silence before a {"type":"ping"} (default 20000), and after it before the socket is replaced (default 5000). */
  pingAfterMs?: number;
  pongTimeoutMs?: number;
  /** From opening a socket to the server's connected frame (default 10000). */
  connectTimeoutMs?: number;
  /** A connection that lasted this long resets the backoff (default 10000). */
  stableMs?: number;
  /** Unacknowledged publishes per subscription before publish() rejects with too_many_pending (default 1000). */
  maxPending?: number;
}

/** A stored message, as the server sends it (also each entry of a subscribed frame's history). */
export interface Message {
  type: 'message';
  channel: string;
  id: number;
  from: string;
  text: string;
  ts: string;
  clientId?: string;
}

export interface Quote {
  symbol: string;
  price: string;
  change: string;
  seq: number;
  ts: string;
  channel?: string;
  type?: 'quote';
}

export interface Presence {
  type: 'presence';
  channel: string;
  event: 'join' | 'leave';
  user: string;
  count: number;
  /** Only while count <= the server's presence.list.max. */
  members?: string[];
}

export interface Subscribed {
  type: 'subscribed';
  channel: string;
  members?: string[];
  count?: number;
  history?: Message[];
  lastId?: number;
  epoch?: string;
  /** Only on a resume: true when every missed message was delivered (to onMessage). */
  recovered?: boolean;
  /** market: channels: the current quote. */
  quote?: Quote;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  channel?: string;
  clientId?: string;
}

/** An Error whose code is the server's error code (forbidden, invalid_text, …) or the library's (closed, …). */
export interface HubError extends Error {
  code: string;
}

export interface Handlers {
  /** Every message of the channel once, in id order, across reconnects. */
  onMessage?(m: Message, sub: Subscription): void;
  onPresence?(p: Presence, sub: Subscription): void;
  /** market: the snapshot at each (re)subscribe, then newer quotes. */
  onQuote?(q: Quote, sub: Subscription): void;
  /** Every (re)subscribe. A first subscribe: draw s.history. A recovered resume: the missed messages went to onMessage. */
  onSubscribed?(s: Subscribed, sub: Subscription): void;
  /** A resume the server could not recover (recovered:false): drop what you show and redraw from s.history. Called before onSubscribed. */
  onReset?(s: Subscribed, sub: Subscription): void;
  onError?(e: ErrorFrame, sub: Subscription): void;
}

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed' | 'failed';

export class Subscription {
  readonly hub: Hub;
  readonly channel: string;
  readonly state: SubscriptionState;
  /** The newest message id seen, and its epoch (null before the first subscribed). */
  readonly lastId: number | null;
  readonly epoch: string | null;
  /** Resolves with the stored message once its echo arrives; rejects with a HubError. */
  publish(text: string, options?: {clientId?: string}): Promise<Message>;
  unsubscribe(): void;
}

export class Hub {
  constructor(url: string, options?: HubOptions);
  readonly url: string;
  readonly state: HubState;
  /** The authenticated user name, once connected. */
  readonly user: string | null;
  /** The connected frame's limits. */
  readonly limits: {channels: number; textChars: number; frameBytes: number; ratePerSecond: number} | null;
  /** The accepted subprotocol ('wsshub.batch') or ''. */
  readonly protocol: string;
  on(event: 'status', fn: (s: HubStatus) => void): () => void;
  /** Error frames about no channel (e.g. rate_limited before the connected frame). */
  on(event: 'error', fn: (e: ErrorFrame) => void): () => void;
  subscribe(channel: string, handlers?: Handlers): Subscription;
  subscription(channel: string): Subscription | undefined;
  close(): void;
}

/** The reconnect delay of attempt n: uniform in [0, min(capMs, baseMs * 2^n)). */
export function backoffDelay(attempt: number, baseMs?: number, capMs?: number, random?: () => number): number;
