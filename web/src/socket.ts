// The WebSocket: connects, resumes with `sync` from every conversation's cursor, reconnects
// with backoff, and sends messages through an outbox that survives a lost connection
// (the server deduplicates by client_id, so a resend never doubles a message).
import { accessToken, refresh, request } from "./api";
import {
  applyEvent,
  applyRead,
  applyTyping,
  changed,
  conversationCreated,
  conversationDeleted,
  loadConversations,
  loadPresence,
  onRead,
  state,
  type PendingMessage,
} from "./store";

let socket: WebSocket | null = null;
let stopped = true;
let attempt = 0;
let retryTimer: number | undefined;
let watchdog: number | undefined;
let heartbeatMs = 15000;
let lastFrameAt = 0;
let failedOpens = 0;

export function connect() {
  stopped = false;
  void open();
}

export function disconnect() {
  stopped = true;
  clearTimeout(retryTimer);
  clearInterval(watchdog);
  socket?.close(1000);
  socket = null;
}

function setStatus(status: typeof state.connection) {
  state.connection = status;
  changed();
}

async function open() {
  clearTimeout(retryTimer);
  if (stopped) return;
  setStatus("connecting");
  // A socket cannot report a 401: after two failed opens in a row, renew the token first.
  if (failedOpens >= 2) await refresh().catch(() => false);
  let token: string | null;
  try {
    token = await accessToken();
  } catch {
    // The server or the network is away: try again later.
    if (!stopped) retryTimer = window.setTimeout(open, Math.min(10000, 500 * 2 ** attempt++));
    setStatus("offline");
    return;
  }
  if (!token || stopped) return; // signed out
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/api/ws?access_token=${encodeURIComponent(token)}`);
  socket = ws;
  let ready = false;
  ws.onmessage = (event) => {
    lastFrameAt = Date.now();
    const frame = JSON.parse(event.data as string);
    if (frame.type === "ready") {
      ready = true;
      failedOpens = 0;
      attempt = 0;
      heartbeatMs = frame.heartbeat_interval_ms ?? heartbeatMs;
      startWatchdog(ws);
      void resume(ws);
    } else {
      handle(frame);
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    clearInterval(watchdog);
    if (!ready) failedOpens += 1;
    if (stopped) return;
    setStatus("offline");
    const delay = Math.min(10000, 500 * 2 ** attempt++);
    retryTimer = window.setTimeout(open, delay);
  };
}

/** Pings every heartbeat; a socket silent for three heartbeats is dead and is replaced. */
function startWatchdog(ws: WebSocket) {
  clearInterval(watchdog);
  watchdog = window.setInterval(() => {
    if (Date.now() - lastFrameAt > Math.max(3 * heartbeatMs, 3000)) {
      ws.close();
      ws.onclose?.(new CloseEvent("close"));
      return;
    }
    send({ type: "ping" });
  }, heartbeatMs);
}

async function resume(ws: WebSocket) {
  // Conversations made while away join the list; then every known one catches up from its cursor.
  await Promise.all([loadConversations(), loadPresence()]).catch(() => undefined);
  if (socket !== ws) return;
  const cursors: Record<string, number> = {};
  for (const [id, entry] of state.conversations) cursors[id] = entry.cursor;
  send({ type: "sync", cursors });
}

function handle(frame: any) {
  switch (frame.type) {
    case "synced":
      setStatus("online");
      state.pending.forEach((message) => message.error || sendPending(message));
      break;
    case "typing":
      applyTyping(frame.conversation_id, frame.user_id, frame.is_typing);
      break;
    case "read":
      applyRead(frame.conversation_id, frame.user_id, frame.seq);
      break;
    case "presence":
      state.online.set(frame.user_id, frame.status === "online");
      changed();
      break;
    case "conversation.created":
      conversationCreated(frame.conversation);
      break;
    case "conversation.deleted":
      conversationDeleted(frame.conversation_id);
      break;
    case "ack":
      // The live message.created event removes the pending copy; if it has already been
      // applied (or the seq is behind the cursor), the ack does.
      if (frame.client_id && frame.message) {
        const entry = state.conversations.get(frame.message.conversation_id);
        if (!entry || frame.message.seq <= entry.cursor) state.pending.delete(frame.client_id);
        changed();
      }
      break;
    case "error":
      if (frame.client_id && state.pending.has(frame.client_id)) {
        state.pending.get(frame.client_id)!.error = frame.message ?? frame.code;
        changed();
      }
      break;
    case "pong":
      break;
    default:
      if (typeof frame.seq === "number" && frame.conversation_id) applyEvent(frame);
  }
}

function send(frame: object): boolean {
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(frame));
  return true;
}

function sendPending(message: PendingMessage) {
  send({
    type: "message.send",
    conversation_id: message.conversationId,
    content: message.content,
    client_id: message.clientId,
    ...(message.replyToId ? { reply_to_id: message.replyToId } : {}),
  });
}

/** Sends a refused message again, under the same client_id (never doubled). */
export function retryMessage(clientId: string) {
  const message = state.pending.get(clientId);
  if (!message) return;
  delete message.error;
  changed();
  if (state.connection === "online") sendPending(message);
}

/** Queues a message; it goes now if connected and synced, otherwise after the next sync. */
export function sendMessage(conversationId: string, content: string, replyToId: string | null) {
  const message: PendingMessage = { clientId: crypto.randomUUID(), conversationId, content, replyToId };
  state.pending.set(message.clientId, message);
  changed();
  if (state.connection === "online") sendPending(message);
}

export function sendTyping(conversationId: string, isTyping: boolean) {
  send({ type: "typing", conversation_id: conversationId, is_typing: isTyping });
}

onRead((conversationId, seq) => {
  if (!send({ type: "read", conversation_id: conversationId, seq })) {
    void request("PUT", `/api/conversations/${conversationId}/read`, { seq }).catch(() => undefined);
  }
});

window.addEventListener("online", () => {
  if (!stopped && !socket) {
    attempt = 0;
    void open();
  }
});
window.addEventListener("offline", () => socket?.close());
